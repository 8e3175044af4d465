namespace OneMcp.Application.Authorization.Commands;

/// <summary>A consent form that does not belong to this user, client and request, or was already used.</summary>
public sealed class ConsentRejectedException(string message) : Exception(message);
