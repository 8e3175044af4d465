namespace OneMcp.Infrastructure.Replication;

/// <summary>What <see cref="SessionRelay"/> did with a request.</summary>
public enum SessionRelayResult
{
    /// <summary>Nothing to relay (or a valid hop, its client address restored): the pipeline serves it here.</summary>
    Continue,

    /// <summary>The owner's answer was streamed back: the request is finished.</summary>
    Relayed,

    /// <summary>A hop header with a wrong value: answer 403, serve nothing.</summary>
    ForbiddenHop,

    /// <summary>The owner failed after the request was sent (its body is spent): answer 502.</summary>
    OwnerFailed,
}
