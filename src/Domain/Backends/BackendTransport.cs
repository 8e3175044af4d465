namespace OneMcp.Domain.Backends;

public enum BackendTransport
{
    Stdio,
    StreamableHttp,
    Sse,
}
