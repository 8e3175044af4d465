using MediatR;

namespace OneMcp.Application.Backends.OAuth;

/// <summary>Restart OAuth: the backend's stored credentials are discarded and it reconnects (awaiting OAuth again).</summary>
public sealed record RestartBackendOAuthCommand(string Name) : IRequest<BackendView>;
