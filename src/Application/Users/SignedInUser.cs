namespace OneMcp.Application.Users;

/// <summary>The enabled user a sign-in names: who decides and is recorded as the actor.</summary>
public sealed record SignedInUser(Guid Id, string UserName);
