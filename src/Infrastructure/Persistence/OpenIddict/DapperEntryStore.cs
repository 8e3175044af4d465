using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Dapper;
using OneMcp.Infrastructure.Identity;
using OpenIddict.Abstractions;
using static OneMcp.Infrastructure.Persistence.OpenIddict.OidcStoreSupport;

namespace OneMcp.Infrastructure.Persistence.OpenIddict;

/// <summary>
/// What OpenIddict's authorization and token stores on Dapper do alike (<see cref="DapperAuthorizationStore"/>,
/// <see cref="DapperTokenStore"/>): rows of one table with a concurrency token, found by id, client or subject, listed,
/// deleted, revoked and updated the same way, and the accessors of the columns both tables have.
/// <para>
/// An update or delete only writes when the row still has the concurrency token the entry was loaded with, so of several
/// requests redeeming the same authorization code or refresh token exactly one succeeds; the others get
/// <see cref="OpenIddictExceptions.ConcurrencyException"/>, which OpenIddict turns into <c>invalid_grant</c>.
/// </para>
/// <para>
/// The <see cref="IQueryable"/> overloads throw <see cref="NotSupportedException"/>: Dapper has no LINQ provider and
/// both tables grow with every sign-in, so evaluating them in memory would read the whole table; OpenIddict's own
/// pipeline never calls them.
/// </para>
/// </summary>
/// <param name="connections">The gateway's database.</param>
/// <param name="changes">Moved after each change, so that the caches of validated tokens, here and on the other replicas, drop what they hold.</param>
/// <param name="entity">What one row is called in errors (<c>token</c>).</param>
/// <param name="table">The table.</param>
/// <param name="columns">The SELECT list, each column named as the store's row type's property.</param>
public abstract class DapperEntryStore<TEntry>(IDbConnectionFactory connections, OAuthStoreChanges? changes, string entity, string table, string columns)
    where TEntry : OidcEntry, new()
{
    protected IDbConnectionFactory Connections => connections;

    protected OAuthStoreChanges? Changes => changes;

    protected SqlDialect Dialect { get; } = connections.Dialect;

    /// <summary>What an update sets besides the new concurrency token: <c>column = @Parameter</c> of <see cref="Parameters"/>.</summary>
    protected abstract string UpdatedColumns { get; }

    public ValueTask<long> CountAsync(CancellationToken cancellationToken) => new(OidcStoreSupport.CountAsync(connections, table, cancellationToken));

    public ValueTask<long> CountAsync<TResult>(Func<IQueryable<TEntry>, IQueryable<TResult>> query, CancellationToken cancellationToken) =>
        throw QueryableNotSupported(entity + "s");

    public async ValueTask DeleteAsync(TEntry entry, CancellationToken cancellationToken)
    {
        await using var changed = OAuthStoreChanges.After(changes);
        ArgumentNullException.ThrowIfNull(entry);
        var parameters = new DynamicParameters();
        var where = ConcurrencyCondition(parameters, entry.Id, entry.ConcurrencyToken);
        await ExecuteCheckedAsync(connections, entity, $"DELETE FROM {table} WHERE {where}", parameters, cancellationToken);
    }

    public IAsyncEnumerable<TEntry> FindByApplicationIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return QueryByAsync("application_id = @Value", identifier, cancellationToken);
    }

    public async ValueTask<TEntry?> FindByIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return await FirstAsync(QueryByAsync("id = @Value", identifier, cancellationToken));
    }

    public IAsyncEnumerable<TEntry> FindBySubjectAsync(string subject, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        return QueryByAsync("subject = @Value", subject, cancellationToken);
    }

    public ValueTask<TResult?> GetAsync<TState, TResult>(
        Func<IQueryable<TEntry>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) =>
        throw QueryableNotSupported(entity + "s");

    public ValueTask<TEntry> InstantiateAsync(CancellationToken cancellationToken) => new(new TEntry());

    public async IAsyncEnumerable<TEntry> ListAsync(int? count, int? offset, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        foreach (var entry in await ReadAsync($"SELECT {columns} FROM {table} {OrderById(Dialect)}{Paging(Dialect, count, offset, parameters)}", parameters, cancellationToken))
        {
            yield return entry;
        }
    }

    public IAsyncEnumerable<TResult> ListAsync<TState, TResult>(
        Func<IQueryable<TEntry>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) =>
        throw QueryableNotSupported(entity + "s");

    public async ValueTask<long> RevokeAsync(string? subject, string? client, string? status, string? type, CancellationToken cancellationToken)
    {
        await using var changed = OAuthStoreChanges.After(changes);
        var parameters = new DynamicParameters();
        return await RevokeWhereAsync(Filters(parameters, subject, client, status, type), parameters, cancellationToken);
    }

    public async ValueTask<long> RevokeByApplicationIdAsync(string identifier, CancellationToken cancellationToken)
    {
        await using var changed = OAuthStoreChanges.After(changes);
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return await RevokeAsync(null, identifier, null, null, cancellationToken);
    }

    public async ValueTask<long> RevokeBySubjectAsync(string subject, CancellationToken cancellationToken)
    {
        await using var changed = OAuthStoreChanges.After(changes);
        ArgumentException.ThrowIfNullOrEmpty(subject);
        return await RevokeAsync(subject, null, null, null, cancellationToken);
    }

    public async ValueTask UpdateAsync(TEntry entry, CancellationToken cancellationToken)
    {
        await using var changed = OAuthStoreChanges.After(changes);
        ArgumentNullException.ThrowIfNull(entry);
        var parameters = Parameters(entry);
        var where = ConcurrencyCondition(parameters, entry.Id, entry.ConcurrencyToken);
        var fresh = Guid.NewGuid().ToString();
        parameters.AddText("NewToken", fresh);
        await ExecuteCheckedAsync(connections, entity,
            $"UPDATE {table} SET concurrency_token = @NewToken, {UpdatedColumns} WHERE {where}",
            parameters, cancellationToken);
        entry.ConcurrencyToken = fresh;
    }

    // ---- accessors of the columns both tables have ----

    public ValueTask<string?> GetApplicationIdAsync(TEntry entry, CancellationToken cancellationToken) => new(Check(entry).ApplicationId);

    public ValueTask<DateTimeOffset?> GetCreationDateAsync(TEntry entry, CancellationToken cancellationToken) => new(Check(entry).CreationDate);

    public ValueTask<string?> GetIdAsync(TEntry entry, CancellationToken cancellationToken) => new(Check(entry).Id);

    public ValueTask<ImmutableDictionary<string, JsonElement>> GetPropertiesAsync(TEntry entry, CancellationToken cancellationToken) =>
        new(Check(entry).Properties ?? ImmutableDictionary<string, JsonElement>.Empty);

    public ValueTask<string?> GetStatusAsync(TEntry entry, CancellationToken cancellationToken) => new(Check(entry).Status);

    public ValueTask<string?> GetSubjectAsync(TEntry entry, CancellationToken cancellationToken) => new(Check(entry).Subject);

    public ValueTask<string?> GetTypeAsync(TEntry entry, CancellationToken cancellationToken) => new(Check(entry).Type);

    public ValueTask SetApplicationIdAsync(TEntry entry, string? identifier, CancellationToken cancellationToken)
    {
        Check(entry).ApplicationId = string.IsNullOrEmpty(identifier) ? null : identifier;
        return default;
    }

    public ValueTask SetCreationDateAsync(TEntry entry, DateTimeOffset? date, CancellationToken cancellationToken)
    {
        Check(entry).CreationDate = date;
        return default;
    }

    public ValueTask SetPropertiesAsync(TEntry entry, ImmutableDictionary<string, JsonElement> properties, CancellationToken cancellationToken)
    {
        Check(entry).Properties = properties ?? ImmutableDictionary<string, JsonElement>.Empty;
        return default;
    }

    public ValueTask SetStatusAsync(TEntry entry, string? status, CancellationToken cancellationToken)
    {
        Check(entry).Status = status;
        return default;
    }

    public ValueTask SetSubjectAsync(TEntry entry, string? subject, CancellationToken cancellationToken)
    {
        Check(entry).Subject = subject;
        return default;
    }

    public ValueTask SetTypeAsync(TEntry entry, string? type, CancellationToken cancellationToken)
    {
        Check(entry).Type = type;
        return default;
    }

    // ---- for the stores ----

    /// <summary>The entries <paramref name="sql"/> selects (with the <c>columns</c> the store was made with).</summary>
    protected abstract Task<IEnumerable<TEntry>> ReadAsync(string sql, DynamicParameters parameters, CancellationToken cancellationToken);

    /// <summary>The entry's columns as the parameters of an insert or update, without its id and concurrency token.</summary>
    protected DynamicParameters Parameters(TEntry entry)
    {
        var parameters = new DynamicParameters();
        parameters.AddText("ApplicationId", entry.ApplicationId);
        parameters.AddTime(Dialect, "CreationDate", entry.CreationDate);
        parameters.AddJson("Properties", PropertiesToJson(entry.Properties));
        parameters.AddText("Status", entry.Status);
        parameters.AddText("Subject", entry.Subject);
        parameters.AddText("Type", entry.Type);
        AddOwnParameters(parameters, entry);
        return parameters;
    }

    /// <summary>The columns only this store's table has, added to <see cref="Parameters"/>.</summary>
    protected abstract void AddOwnParameters(DynamicParameters parameters, TEntry entry);

    protected static TEntry Check(TEntry entry) => entry ?? throw new ArgumentNullException(nameof(entry));

    protected static async ValueTask<TEntry?> FirstAsync(IAsyncEnumerable<TEntry> entries)
    {
        await foreach (var entry in entries)
        {
            return entry;
        }

        return null;
    }

    /// <summary>The conditions OpenIddict's find and revoke methods take, each only when given.</summary>
    protected static List<string> Filters(DynamicParameters parameters, string? subject, string? client, string? status, string? type)
    {
        var conditions = new List<string>();
        AddFilter(conditions, parameters, "subject", "Subject", subject);
        AddFilter(conditions, parameters, "application_id", "Client", client);
        AddFilter(conditions, parameters, "status", "Status", status);
        AddFilter(conditions, parameters, "type", "Type", type);
        return conditions;
    }

    /// <summary>The entries that meet <paramref name="conditions"/>, in the order of their ids.</summary>
    protected Task<IEnumerable<TEntry>> ReadWhereAsync(List<string> conditions, DynamicParameters parameters, CancellationToken cancellationToken) =>
        ReadAsync($"SELECT {columns} FROM {table}{Where(conditions)} {OrderById(Dialect)}", parameters, cancellationToken);

    /// <summary>The entries whose <paramref name="condition"/> on <c>@Value</c> holds for <paramref name="value"/>.</summary>
    protected async IAsyncEnumerable<TEntry> QueryByAsync(string condition, string value, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddText("Value", value);
        foreach (var entry in await ReadWhereAsync([condition], parameters, cancellationToken))
        {
            yield return entry;
        }
    }

    /// <summary>Marks the matching entries revoked and gives each a fresh concurrency token; returns how many matched.</summary>
    protected async Task<long> RevokeWhereAsync(List<string> conditions, DynamicParameters parameters, CancellationToken cancellationToken)
    {
        parameters.AddText("Revoked", OpenIddictConstants.Statuses.Revoked);
        return await ExecuteAsync(connections,
            $"UPDATE {table} SET status = @Revoked, concurrency_token = {NewTokenSql(Dialect)}{Where(conditions)}",
            parameters, cancellationToken);
    }

    /// <summary>
    /// A row as Dapper reads it: the columns both tables have. A store's row adds its own columns and makes its entry
    /// with <see cref="Fill"/>.
    /// </summary>
    protected abstract class EntryRow
    {
        public string Id { get; set; } = "";

        public string? ConcurrencyToken { get; set; }

        public string? ApplicationId { get; set; }

        public object? CreationDate { get; set; }

        public string? Properties { get; set; }

        public string? Status { get; set; }

        public string? Subject { get; set; }

        public string? Type { get; set; }

        /// <summary><paramref name="entry"/> (with the store's own columns already set) with the columns both tables have.</summary>
        protected TEntry Fill(TEntry entry)
        {
            entry.Id = Id;
            entry.ConcurrencyToken = ConcurrencyToken;
            entry.ApplicationId = ApplicationId;
            entry.CreationDate = DbValues.ReadNullableTime(CreationDate);
            entry.Properties = PropertiesFromJson(Properties);
            entry.Status = Status;
            entry.Subject = Subject;
            entry.Type = Type;
            return entry;
        }
    }
}
