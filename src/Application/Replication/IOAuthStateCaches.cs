namespace OneMcp.Application.Replication;

/// <summary>
/// What this process caches of token validations: another replica changed users, tag scopes, tokens or grants,
/// so every cached validation must be made again (without telling the others, who know already).
/// </summary>
public interface IOAuthStateCaches
{
    void ChangedElsewhere();
}
