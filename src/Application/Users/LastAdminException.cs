namespace OneMcp.Application.Users;

/// <summary>Removing this user would leave nobody able to administer the gateway.</summary>
public sealed class LastAdminException(string userName)
    : Exception($"'{userName}' is the last enabled admin; add another admin before removing it.")
{
    public string UserName { get; } = userName;
}
