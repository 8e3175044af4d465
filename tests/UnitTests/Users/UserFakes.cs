using Microsoft.Extensions.Logging;
using OneMcp.Application.Users;
using OneMcp.Domain.Users;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Users;

/// <summary>
/// An in-memory <see cref="IUserRepository"/> with the contract's rules (names unique case-insensitively,
/// optimistic concurrency). It hands out copies, as a database does.
/// </summary>
internal sealed class InMemoryUserRepository : IUserRepository
{
    private readonly InMemoryAggregates<User> _rows = new("user", Copy);

    public int Writes => _rows.Writes;

    public IReadOnlyList<User> Snapshot() => _rows.All(rows => rows.OrderBy(u => u.UserName, StringComparer.OrdinalIgnoreCase));

    public Task<IReadOnlyList<User>> ListAsync(CancellationToken cancellationToken) => Task.FromResult(Snapshot());

    public Task<User?> FindByNameAsync(string userName, CancellationToken cancellationToken) =>
        Task.FromResult(_rows.Find(u => string.Equals(u.UserName, userName, StringComparison.OrdinalIgnoreCase)));

    public Task<User?> FindByIdAsync(Guid id, CancellationToken cancellationToken) => Task.FromResult(_rows.Find(u => u.Id == id));

    public Task<User?> FindByExternalSubjectAsync(string externalSubject, CancellationToken cancellationToken) =>
        Task.FromResult(_rows.Find(u => u.ExternalSubject == externalSubject));

    public Task<int> CountAsync(CancellationToken cancellationToken) => Task.FromResult(_rows.Count);

    public Task AddAsync(User user, CancellationToken cancellationToken)
    {
        _rows.Add(user, user.UserName, u => string.Equals(u.UserName, user.UserName, StringComparison.OrdinalIgnoreCase)
            || (user.ExternalSubject is not null && u.ExternalSubject == user.ExternalSubject));
        return Task.CompletedTask;
    }

    public Task UpdateAsync(User user, CancellationToken cancellationToken)
    {
        _rows.Update(user);
        return Task.CompletedTask;
    }

    public Task<bool> RemoveAsync(Guid id, CancellationToken cancellationToken) => Task.FromResult(_rows.Remove(id));

    public Task UpdateKeepingAnAdminAsync(User user, CancellationToken cancellationToken)
    {
        EnsureAnAdminRemains(user, user.IsAdmin && !user.Disabled);
        return UpdateAsync(user, cancellationToken);
    }

    public Task<bool> RemoveKeepingAnAdminAsync(User user, CancellationToken cancellationToken)
    {
        EnsureAnAdminRemains(user, staysAdmin: false);
        return RemoveAsync(user.Id, cancellationToken);
    }

    private void EnsureAnAdminRemains(User user, bool staysAdmin)
    {
        if (!staysAdmin && _rows.Find(u => u.Id == user.Id) is { } stored && LastAdminRule.TakesAnAdminAway(stored))
        {
            LastAdminRule.EnsureAnotherAdminRemains(stored, Snapshot());
        }
    }

    private static User Copy(User u) => User.Restore(u.Id, u.UserName, u.PasswordHash, u.ExternalSubject, u.Groups, u.Role, u.Disabled, u.Version, u.CreatedAt, u.UpdatedAt);
}

/// <summary>A transparent stand-in for the real hasher: handlers only store what it returns.</summary>
internal sealed class FakePasswordHasher : IPasswordHasher
{
    public string Hash(string password) => "hashed:" + new string([.. password.Reverse()]);

    public PasswordCheck Verify(string hash, string password) => hash == Hash(password) ? PasswordCheck.Success : PasswordCheck.Failed;
}

/// <summary>Keeps everything logged (level, message, exception), to check what was (and was not) logged.</summary>
internal sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly Lock _gate = new();
    private readonly List<(LogLevel Level, string Message, Exception? Exception, string Line)> _entries = [];

    public IReadOnlyList<(LogLevel Level, string Message, Exception? Exception)> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries.Select(e => (e.Level, e.Message, e.Exception))];
            }
        }
    }

    /// <summary>Each entry as one line: level, message and the structured state.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries.Select(e => e.Line)];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        var message = formatter(state, exception);
        lock (_gate)
        {
            _entries.Add((logLevel, message, exception, $"{logLevel}: {message} {state}"));
        }
    }
}

/// <summary>An <see cref="Application.Authorization.IOAuthGrantDirectory"/> holding grants in memory and recording revocations.</summary>
internal sealed class RecordingGrantDirectory : Application.Authorization.IOAuthGrantDirectory
{
    private readonly List<Application.Authorization.OAuthClientRecord> _clients = [];

    public List<string> RevokedSubjects { get; } = [];

    public List<string> RevokedGrants { get; } = [];

    public void Add(Application.Authorization.OAuthClientRecord client) => _clients.Add(client);

    public Task<IReadOnlyList<Application.Authorization.OAuthClientRecord>> ListClientsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Application.Authorization.OAuthClientRecord>>([.. _clients.Select(c => c with { Grants = [.. c.Grants.Where(Valid)] })]);

    public Task<Application.Authorization.OAuthGrantRecord?> FindGrantAsync(string grantId, CancellationToken cancellationToken) =>
        Task.FromResult(_clients.SelectMany(c => c.Grants).Where(Valid).FirstOrDefault(g => g.Id == grantId));

    public Task<bool> RevokeGrantAsync(string grantId, CancellationToken cancellationToken)
    {
        var found = _clients.SelectMany(c => c.Grants).Any(g => g.Id == grantId && Valid(g));
        if (found)
        {
            RevokedGrants.Add(grantId);
        }

        return Task.FromResult(found);
    }

    public Task RevokeSubjectAsync(string subject, CancellationToken cancellationToken)
    {
        RevokedSubjects.Add(subject);
        return Task.CompletedTask;
    }

    private bool Valid(Application.Authorization.OAuthGrantRecord grant) => !RevokedGrants.Contains(grant.Id) && !RevokedSubjects.Contains(grant.Subject ?? string.Empty);
}
