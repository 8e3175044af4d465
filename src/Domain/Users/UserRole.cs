namespace OneMcp.Domain.Users;

public enum UserRole
{
    Member,
    Admin,
}
