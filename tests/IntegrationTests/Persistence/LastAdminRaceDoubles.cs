using System.Reflection;
using OneMcp.Domain.Users;

namespace OneMcp.IntegrationTests.Persistence;

/// <summary>
/// A user repository whose first two lists both return before either does: two handlers checking the last-admin rule
/// at once have both read the users before either writes (the race two admins demoting each other run into).
/// </summary>
internal sealed class BothListFirstUserRepository(IUserRepository inner) : IUserRepository
{
    private readonly TaskCompletionSource _bothListed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _listed;

    public async Task<IReadOnlyList<User>> ListAsync(CancellationToken cancellationToken)
    {
        var users = await inner.ListAsync(cancellationToken);
        if (Interlocked.Increment(ref _listed) == 2)
        {
            _bothListed.TrySetResult();
        }

        await _bothListed.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        return users;
    }

    public Task<User?> FindByNameAsync(string userName, CancellationToken cancellationToken) => inner.FindByNameAsync(userName, cancellationToken);

    public Task<User?> FindByIdAsync(Guid id, CancellationToken cancellationToken) => inner.FindByIdAsync(id, cancellationToken);

    public Task<User?> FindByExternalSubjectAsync(string externalSubject, CancellationToken cancellationToken) =>
        inner.FindByExternalSubjectAsync(externalSubject, cancellationToken);

    public Task<int> CountAsync(CancellationToken cancellationToken) => inner.CountAsync(cancellationToken);

    public Task AddAsync(User user, CancellationToken cancellationToken) => inner.AddAsync(user, cancellationToken);

    public Task UpdateAsync(User user, CancellationToken cancellationToken) => inner.UpdateAsync(user, cancellationToken);

    public Task<bool> RemoveAsync(Guid id, CancellationToken cancellationToken) => inner.RemoveAsync(id, cancellationToken);

    public Task UpdateKeepingAnAdminAsync(User user, CancellationToken cancellationToken) => inner.UpdateKeepingAnAdminAsync(user, cancellationToken);

    public Task<bool> RemoveKeepingAnAdminAsync(User user, CancellationToken cancellationToken) => inner.RemoveKeepingAnAdminAsync(user, cancellationToken);
}

/// <summary>An implementation of <typeparamref name="T"/> whose every method does nothing (completed tasks, defaults).</summary>
#pragma warning disable CA1812, CA1852 // Instantiated by DispatchProxy.Create, which needs a type it can derive from.
internal class NothingDone<T> : DispatchProxy
#pragma warning restore CA1812, CA1852
    where T : class
{
    public static T Create() => DispatchProxy.Create<T, NothingDone<T>>();

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        var type = targetMethod!.ReturnType;
        if (type == typeof(Task))
        {
            return Task.CompletedTask;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Task<>))
        {
            var result = type.GetGenericArguments()[0];
            return typeof(Task).GetMethod(nameof(Task.FromResult))!.MakeGenericMethod(result)
                .Invoke(null, [result.IsValueType ? Activator.CreateInstance(result) : null]);
        }

        return type.IsValueType && type != typeof(void) ? Activator.CreateInstance(type) : null;
    }
}
