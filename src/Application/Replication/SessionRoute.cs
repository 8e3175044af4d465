namespace OneMcp.Application.Replication;

/// <summary>Where a request for a legacy session goes (ADR 0031).</summary>
public enum SessionRoute
{
    /// <summary>Served here: the session lives in this process, the request opens none, or it already came over a hop.</summary>
    Local,

    /// <summary>Relayed to the live replica that holds the session.</summary>
    Relay,

    /// <summary>No replica is known to hold the session: served here, where the SDK answers it as an unknown session.</summary>
    Unknown,

    /// <summary>The replica that held it is gone (no row, or a heartbeat too old): its rows are cleaned, and the SDK answers here.</summary>
    OwnerGone,
}
