namespace OneMcp.Domain.Users;

/// <summary>The change would leave nobody able to administer the gateway (<see cref="LastAdminRule"/>).</summary>
public sealed class LastAdminException(string userName)
    : Exception($"'{userName}' is the last enabled admin; add another admin before removing, demoting or disabling it.")
{
    public string UserName { get; } = userName;
}
