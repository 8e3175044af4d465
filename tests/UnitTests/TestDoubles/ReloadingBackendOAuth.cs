using OneMcp.Application.Backends.OAuth;
using OneMcp.Domain.Backends;

namespace OneMcp.UnitTests.TestDoubles;

/// <summary>Records which backends' tokens were read again; says "changed" for the names in <see cref="Changed"/>.</summary>
internal sealed class ReloadingBackendOAuth : IBackendOAuth
{
    public List<string> Reloaded { get; } = [];

    public HashSet<string> Changed { get; } = new(StringComparer.Ordinal);

    public Exception? Failure { get; set; }

    public Task<bool> ReloadAsync(ServerName backend, CancellationToken cancellationToken)
    {
        if (Failure is not null)
        {
            throw Failure;
        }

        Reloaded.Add(backend.Value);
        return Task.FromResult(Changed.Contains(backend.Value));
    }

    public Task<Uri> BeginAsync(BackendSettings backend, string subject, Uri redirectUri, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<ObtainedBackendTokens> CompleteAsync(ServerName backend, string subject, string state, string code, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task AbandonAsync(ServerName backend, string subject, string state, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task AcceptAsync(ServerName backend, string protectedTokens, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task ForgetAsync(ServerName backend, CancellationToken cancellationToken) => throw new NotSupportedException();

    public bool HasTokens(ServerName backend) => false;
}
