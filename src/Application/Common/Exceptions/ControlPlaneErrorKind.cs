namespace OneMcp.Application.Common.Exceptions;

/// <summary>What went wrong with a control-plane request, as the caller must be told (ADR 0006).</summary>
public enum ControlPlaneErrorKind
{
    /// <summary>The input breaks a rule (validation, or a domain rule about the input).</summary>
    Invalid,

    /// <summary>The resource's state forbids it: a taken name, a stale version, the last administrator.</summary>
    Conflict,

    NotFound,

    /// <summary>A server the gateway depends on (a backend's authorization server) failed.</summary>
    Upstream,
}
