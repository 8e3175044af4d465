using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Dapper;
using OpenIddict.Abstractions;
using static OneMcp.Infrastructure.Persistence.OpenIddict.OidcStoreSupport;

namespace OneMcp.Infrastructure.Persistence.OpenIddict;

/// <summary>
/// OpenIddict's scope store on Dapper (<c>openiddict_scopes</c>, SQLite and PostgreSQL). The
/// <see cref="IQueryable"/> overloads run in memory over the whole table: there are few scopes.
/// </summary>
public sealed class DapperScopeStore(IDbConnectionFactory connections) : IOpenIddictScopeStore<OidcScope>
{
    private const string Entity = "scope";
    private const string Table = "openiddict_scopes";
    private const string Columns =
        "id AS Id, concurrency_token AS ConcurrencyToken, description AS Description, descriptions AS Descriptions, " +
        "display_name AS DisplayName, display_names AS DisplayNames, name AS Name, properties AS Properties, resources AS Resources";

    private readonly SqlDialect _dialect = connections.Dialect;

    public ValueTask<long> CountAsync(CancellationToken cancellationToken) => new(OidcStoreSupport.CountAsync(connections, Table, cancellationToken));

    public async ValueTask<long> CountAsync<TResult>(Func<IQueryable<OidcScope>, IQueryable<TResult>> query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return query((await AllAsync(cancellationToken)).AsQueryable()).LongCount();
    }

    public async ValueTask CreateAsync(OidcScope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (string.IsNullOrEmpty(scope.Id))
        {
            scope.Id = Guid.NewGuid().ToString();
        }

        scope.ConcurrencyToken ??= Guid.NewGuid().ToString();
        var parameters = Parameters(scope);
        parameters.AddText("Id", scope.Id);
        parameters.AddText("NewToken", scope.ConcurrencyToken);
        await ExecuteAsync(connections,
            $"INSERT INTO {Table} (id, concurrency_token, description, descriptions, display_name, display_names, name, properties, resources) " +
            "VALUES (@Id, @NewToken, @Description, @Descriptions, @DisplayName, @DisplayNames, @Name, @Properties, @Resources)",
            parameters, cancellationToken);
    }

    public async ValueTask DeleteAsync(OidcScope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var parameters = new DynamicParameters();
        var where = ConcurrencyCondition(parameters, scope.Id, scope.ConcurrencyToken);
        await ExecuteCheckedAsync(connections, Entity, $"DELETE FROM {Table} WHERE {where}", parameters, cancellationToken);
    }

    public async ValueTask<OidcScope?> FindByIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return (await QueryByAsync("id = @Value", identifier, cancellationToken)).FirstOrDefault();
    }

    public async ValueTask<OidcScope?> FindByNameAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return (await QueryByAsync("name = @Value", name, cancellationToken)).FirstOrDefault();
    }

    public async IAsyncEnumerable<OidcScope> FindByNamesAsync(ImmutableArray<string> names, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (names.IsDefaultOrEmpty)
        {
            yield break;
        }

        if (names.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("Scope names cannot be null or empty.", nameof(names));
        }

        var json = ArrayToJson(names);
        foreach (var scope in await QueryByAsync($"name IN ({JsonArrayValues(_dialect, "Value")})", json!, cancellationToken))
        {
            yield return scope;
        }
    }

    public async IAsyncEnumerable<OidcScope> FindByResourceAsync(string resource, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(resource);
        foreach (var scope in await QueryByAsync(JsonArrayContains(_dialect, "resources", "Value"), resource, cancellationToken))
        {
            yield return scope;
        }
    }

    public async ValueTask<TResult?> GetAsync<TState, TResult>(
        Func<IQueryable<OidcScope>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return query((await AllAsync(cancellationToken)).AsQueryable(), state).FirstOrDefault();
    }

    public ValueTask<OidcScope> InstantiateAsync(CancellationToken cancellationToken) => new(new OidcScope());

    public async IAsyncEnumerable<OidcScope> ListAsync(int? count, int? offset, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        var sql = $"SELECT {Columns} FROM {Table} {OrderById(_dialect)}{Paging(_dialect, count, offset, parameters)}";
        foreach (var row in await QueryAsync<Row>(connections, sql, parameters, cancellationToken))
        {
            yield return row.ToEntity();
        }
    }

    public async IAsyncEnumerable<TResult> ListAsync<TState, TResult>(
        Func<IQueryable<OidcScope>, TState, IQueryable<TResult>> query, TState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        foreach (var result in query((await AllAsync(cancellationToken)).AsQueryable(), state))
        {
            yield return result;
        }
    }

    public async ValueTask UpdateAsync(OidcScope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var parameters = Parameters(scope);
        var where = ConcurrencyCondition(parameters, scope.Id, scope.ConcurrencyToken);
        var fresh = Guid.NewGuid().ToString();
        parameters.AddText("NewToken", fresh);
        await ExecuteCheckedAsync(connections, Entity,
            $"UPDATE {Table} SET concurrency_token = @NewToken, description = @Description, descriptions = @Descriptions, " +
            "display_name = @DisplayName, display_names = @DisplayNames, name = @Name, properties = @Properties, resources = @Resources " +
            $"WHERE {where}",
            parameters, cancellationToken);
        scope.ConcurrencyToken = fresh;
    }

    // ---- entity accessors ----

    public ValueTask<string?> GetDescriptionAsync(OidcScope scope, CancellationToken cancellationToken) => new(Check(scope).Description);

    public ValueTask<ImmutableDictionary<CultureInfo, string>> GetDescriptionsAsync(OidcScope scope, CancellationToken cancellationToken) =>
        new(Check(scope).Descriptions ?? ImmutableDictionary<CultureInfo, string>.Empty);

    public ValueTask<string?> GetDisplayNameAsync(OidcScope scope, CancellationToken cancellationToken) => new(Check(scope).DisplayName);

    public ValueTask<ImmutableDictionary<CultureInfo, string>> GetDisplayNamesAsync(OidcScope scope, CancellationToken cancellationToken) =>
        new(Check(scope).DisplayNames ?? ImmutableDictionary<CultureInfo, string>.Empty);

    public ValueTask<string?> GetIdAsync(OidcScope scope, CancellationToken cancellationToken) => new(Check(scope).Id);

    public ValueTask<string?> GetNameAsync(OidcScope scope, CancellationToken cancellationToken) => new(Check(scope).Name);

    public ValueTask<ImmutableDictionary<string, JsonElement>> GetPropertiesAsync(OidcScope scope, CancellationToken cancellationToken) =>
        new(Check(scope).Properties ?? ImmutableDictionary<string, JsonElement>.Empty);

    public ValueTask<ImmutableArray<string>> GetResourcesAsync(OidcScope scope, CancellationToken cancellationToken) => new(Check(scope).Resources.OrEmpty());

    public ValueTask SetDescriptionAsync(OidcScope scope, string? description, CancellationToken cancellationToken)
    {
        Check(scope).Description = description;
        return default;
    }

    public ValueTask SetDescriptionsAsync(OidcScope scope, ImmutableDictionary<CultureInfo, string> descriptions, CancellationToken cancellationToken)
    {
        Check(scope).Descriptions = descriptions ?? ImmutableDictionary<CultureInfo, string>.Empty;
        return default;
    }

    public ValueTask SetDisplayNameAsync(OidcScope scope, string? name, CancellationToken cancellationToken)
    {
        Check(scope).DisplayName = name;
        return default;
    }

    public ValueTask SetDisplayNamesAsync(OidcScope scope, ImmutableDictionary<CultureInfo, string> names, CancellationToken cancellationToken)
    {
        Check(scope).DisplayNames = names ?? ImmutableDictionary<CultureInfo, string>.Empty;
        return default;
    }

    public ValueTask SetNameAsync(OidcScope scope, string? name, CancellationToken cancellationToken)
    {
        Check(scope).Name = name;
        return default;
    }

    public ValueTask SetPropertiesAsync(OidcScope scope, ImmutableDictionary<string, JsonElement> properties, CancellationToken cancellationToken)
    {
        Check(scope).Properties = properties ?? ImmutableDictionary<string, JsonElement>.Empty;
        return default;
    }

    public ValueTask SetResourcesAsync(OidcScope scope, ImmutableArray<string> resources, CancellationToken cancellationToken)
    {
        Check(scope).Resources = resources.OrEmpty();
        return default;
    }

    // ---- SQL ----

    private static OidcScope Check(OidcScope scope) => scope ?? throw new ArgumentNullException(nameof(scope));

    private async Task<List<OidcScope>> QueryByAsync(string condition, string value, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddText("Value", value);
        var rows = await QueryAsync<Row>(connections, $"SELECT {Columns} FROM {Table} WHERE {condition} {OrderById(_dialect)}", parameters, cancellationToken);
        return rows.ConvertAll(row => row.ToEntity());
    }

    private async Task<List<OidcScope>> AllAsync(CancellationToken cancellationToken)
    {
        var rows = await QueryAsync<Row>(connections, $"SELECT {Columns} FROM {Table} {OrderById(_dialect)}", null, cancellationToken);
        return rows.ConvertAll(row => row.ToEntity());
    }

    private static DynamicParameters Parameters(OidcScope scope)
    {
        var parameters = new DynamicParameters();
        parameters.AddText("Description", scope.Description);
        parameters.AddJson("Descriptions", CulturesToJson(scope.Descriptions));
        parameters.AddText("DisplayName", scope.DisplayName);
        parameters.AddJson("DisplayNames", CulturesToJson(scope.DisplayNames));
        parameters.AddText("Name", scope.Name);
        parameters.AddJson("Properties", PropertiesToJson(scope.Properties));
        parameters.AddJson("Resources", ArrayToJson(scope.Resources));
        return parameters;
    }

    private sealed class Row
    {
        public string Id { get; set; } = "";

        public string? ConcurrencyToken { get; set; }

        public string? Description { get; set; }

        public string? Descriptions { get; set; }

        public string? DisplayName { get; set; }

        public string? DisplayNames { get; set; }

        public string? Name { get; set; }

        public string? Properties { get; set; }

        public string? Resources { get; set; }

        public OidcScope ToEntity() => new()
        {
            Id = Id,
            ConcurrencyToken = ConcurrencyToken,
            Description = Description,
            Descriptions = CulturesFromJson(Descriptions),
            DisplayName = DisplayName,
            DisplayNames = CulturesFromJson(DisplayNames),
            Name = Name,
            Properties = PropertiesFromJson(Properties),
            Resources = ArrayFromJson(Resources),
        };
    }
}
