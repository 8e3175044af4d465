using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;
using OneMcp.Infrastructure.Persistence;
using OneMcp.Infrastructure.Persistence.Repositories;

namespace OneMcp.IntegrationTests.Persistence;

public abstract class BackendServiceRepositoryContract(ITestDatabaseSource source) : RepositoryContract(source)
{
    // One key ring per test: every repository instance of the test reads what another wrote.
    private readonly Microsoft.AspNetCore.DataProtection.IDataProtectionProvider _protection = new Microsoft.AspNetCore.DataProtection.EphemeralDataProtectionProvider();

    private BackendServiceRepository Repository => new(Factory, _protection);

    public static StdioBackendSettings FullStdio(string name) => new()
    {
        Name = ServerName.From(name),
        Command = "/usr/bin/node",
        Args = ["server.js", "--greeting", NonAscii, ""],
        WorkingDirectory = "/srv/mcp/" + NonAscii,
        Environment = new Dictionary<string, string> { ["API_KEY"] = "s3cr3t", ["GREETING"] = NonAscii, ["EMPTY"] = "" },
        RestartOnExit = true,
        MaxRestarts = 0,
        RestartDelay = TimeSpan.FromMilliseconds(2500),
        ConnectionTimeout = TimeSpan.FromMilliseconds(12_345),
        RequestTimeout = TimeSpan.FromMinutes(5),
        Tags = [Tag.From("Dev"), Tag.From("team.a"), Tag.From("x_1")],
        Disabled = true,
        DisabledTools = new HashSet<string>(["delete", "Drop", "zz"], StringComparer.Ordinal),
        ToolDescriptionOverrides = new Dictionary<string, string>(StringComparer.Ordinal) { ["echo"] = "Echoes " + NonAscii, ["sum"] = "" },
        InstructionOverride = "",
    };

    public static StreamableHttpBackendSettings FullHttp(string name) => new()
    {
        Name = ServerName.From(name),
        Url = new Uri("https://user:pa%40ss@example.test:8443/mcp/?q=" + Uri.EscapeDataString(NonAscii)),
        Headers = new Dictionary<string, string> { ["Authorization"] = "Bearer abc", ["X-Name"] = NonAscii },
        OAuth = new BackendOAuthSettings("client-1", "very-secret", ["read", "write", NonAscii], new Uri("http://127.0.0.1:3050/oauth/callback/" + name)),
        InstructionOverride = "Use with care: " + NonAscii,
    };

    public static SseBackendSettings MinimalSse(string name) => new()
    {
        Name = ServerName.From(name),
        Url = new Uri("http://localhost:9000/sse"),
    };

    public static BackendService Backend(BackendSettings settings, BackendOrigin origin = BackendOrigin.Api) =>
        BackendService.Register(settings, origin, T0);

    [Fact]
    public async Task Add_ThenFindByName_RoundTripsEveryField()
    {
        foreach (var (settings, origin) in new (BackendSettings, BackendOrigin)[] { (FullStdio("stdio-1"), BackendOrigin.Config), (FullHttp("http.1"), BackendOrigin.Api), (MinimalSse("sse_1"), BackendOrigin.Api) })
        {
            var backend = Backend(settings, origin);
            await Repository.AddAsync(backend, Ct);

            var loaded = (await Repository.FindByNameAsync(settings.Name, Ct)).ShouldNotBeNull();

            loaded.Id.ShouldBe(backend.Id);
            loaded.Origin.ShouldBe(origin);
            loaded.Enabled.ShouldBeTrue();
            loaded.Version.ShouldBe(1);
            ShouldBeStored(loaded.CreatedAt, T0);
            ShouldBeStored(loaded.UpdatedAt, T0);
            ShouldBeSame(loaded.Settings, settings);
        }
    }

    [Fact]
    public async Task Add_ThenFindByName_RoundTripsThePerUserFields()
    {
        var stdio = FullStdio("per-user-stdio") with
        {
            Credentials = BackendCredentialMode.PerUser,
            Environment = new Dictionary<string, string> { ["API_KEY"] = "${user:API_KEY}" },
            IdleTimeout = TimeSpan.FromMinutes(1.5),
            MaxInstances = 3,
        };
        var http = FullHttp("per-user-http") with { Credentials = BackendCredentialMode.PerUser, Approval = ConnectionApproval.Admin };
        foreach (var settings in new BackendSettings[] { stdio, http })
        {
            await Repository.AddAsync(Backend(settings), Ct);

            var loaded = (await Repository.FindByNameAsync(settings.Name, Ct)).ShouldNotBeNull().Settings;

            ShouldBeSame(loaded, settings);
            loaded.Credentials.ShouldBe(BackendCredentialMode.PerUser);
        }

        var loadedStdio = (await Repository.FindByNameAsync(stdio.Name, Ct)).ShouldNotBeNull().Settings.Stdio();
        loadedStdio.IdleTimeout.ShouldBe(TimeSpan.FromMinutes(1.5));
        loadedStdio.MaxInstances.ShouldBe(3);
        loadedStdio.Environment["API_KEY"].ShouldBe("${user:API_KEY}");
        (await Repository.FindByNameAsync(http.Name, Ct)).ShouldNotBeNull().Settings.Http().Approval.ShouldBe(ConnectionApproval.Admin);
    }

    [Fact]
    public async Task Add_StoresNoEnvHeaderOrClientSecretValueInClear()
    {
        await Repository.AddAsync(Backend(FullStdio("stdio-secret")), Ct);
        await Repository.AddAsync(Backend(FullHttp("http-secret")), Ct);

        var raw = await RawSettingsAsync();

        raw.Count.ShouldBe(2);
        foreach (var settings in raw)
        {
            settings.ShouldNotContain("s3cr3t");
            settings.ShouldNotContain("Bearer abc");
            settings.ShouldNotContain("very-secret");
            settings.ShouldNotContain("API_KEY");
            settings.ShouldContain("\"secrets\"");
        }
    }

    [Fact]
    public async Task ProtectClearSecrets_WhenARowHoldsThemInClear_EncryptsItAndItStillReads()
    {
        var stdio = Backend(FullStdio("was-clear"));
        var http = Backend(FullHttp("was-clear-too"));
        var plain = Backend(MinimalSse("no-secret"));
        foreach (var backend in new[] { stdio, http, plain })
        {
            await Repository.AddAsync(backend, Ct);
            await WriteClearSettingsAsync(backend);
        }

        (await RawSettingsAsync()).ShouldContain(s => s.Contains("s3cr3t", StringComparison.Ordinal));

        var rewritten = await Repository.ProtectClearSecretsAsync(Ct);

        rewritten.ShouldBe(2);
        foreach (var settings in await RawSettingsAsync())
        {
            settings.ShouldNotContain("s3cr3t");
            settings.ShouldNotContain("Bearer abc");
            settings.ShouldNotContain("very-secret");
        }

        ShouldBeSame((await Repository.FindByNameAsync(stdio.Name, Ct))!.Settings, stdio.Settings);
        ShouldBeSame((await Repository.FindByNameAsync(http.Name, Ct))!.Settings, http.Settings);
        (await Repository.FindByNameAsync(stdio.Name, Ct))!.Version.ShouldBe(1);
        (await Repository.ProtectClearSecretsAsync(Ct)).ShouldBe(0);
    }

    // The definition as an older gateway wrote it: every value in clear, no "secrets".
    private async Task WriteClearSettingsAsync(BackendService backend)
    {
        var parameters = new Dapper.DynamicParameters();
        parameters.AddId(Db.Dialect, "Id", backend.Id);
        parameters.AddText("Settings", DbValues.ToJson(BackendSettingsDocument.From(backend.Settings)));
        await using var connection = await Factory.OpenAsync(Ct);
        await Dapper.SqlMapper.ExecuteAsync(connection, $"UPDATE backends SET settings = {DbValues.JsonParam(Db.Dialect, "Settings")} WHERE id = @Id", parameters);
    }

    private async Task<List<string>> RawSettingsAsync()
    {
        await using var connection = await Factory.OpenAsync(Ct);
        return [.. await Dapper.SqlMapper.QueryAsync<string>(connection, "SELECT CAST(settings AS TEXT) FROM backends")];
    }

    [Fact]
    public async Task Ids_AreStoredInTheEnginesCanonicalForm()
    {
        var backend = Backend(MinimalSse("ids"));
        await Repository.AddAsync(backend, Ct);

        await using var connection = await Factory.OpenAsync(Ct);
        var raw = await Dapper.SqlMapper.ExecuteScalarAsync<object>(connection, "SELECT id FROM backends");

        // SQLite: lower-case text, whatever Microsoft.Data.Sqlite would do with a Guid parameter; PostgreSQL: uuid.
        raw.ShouldBe(Db.Dialect == SqlDialect.Sqlite ? backend.Id.ToString("D") : backend.Id);
    }

    [Fact]
    public async Task FindByName_WhenUnknown_ReturnsNull()
    {
        await Repository.AddAsync(Backend(MinimalSse("known")), Ct);

        (await Repository.FindByNameAsync(ServerName.From("unknown"), Ct)).ShouldBeNull();
        (await Repository.FindByNameAsync(ServerName.From("KNOWN"), Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task Update_WithLoadedVersion_SavesSettingsEnabledVersionAndTimestamp()
    {
        var backend = Backend(FullHttp("edit-me"));
        await Repository.AddAsync(backend, Ct);
        var loaded = (await Repository.FindByNameAsync(backend.Name, Ct))!;
        var later = T0.AddMinutes(3).AddTicks(7);

        loaded.Update(FullHttp("edit-me") with { Tags = [Tag.From("prod")], OAuth = null, Url = new Uri("http://h/x") }, later);
        loaded.Disable(later);
        await Repository.UpdateAsync(loaded, Ct);

        var reloaded = (await Repository.FindByNameAsync(backend.Name, Ct))!;
        reloaded.Version.ShouldBe(3);
        reloaded.Enabled.ShouldBeFalse();
        reloaded.Settings.Tags.ShouldBe([Tag.From("prod")]);
        reloaded.Settings.Http().OAuth.ShouldBeNull();
        reloaded.Settings.Http().Url!.OriginalString.ShouldBe("http://h/x");
        ShouldBeStored(reloaded.UpdatedAt, later);
        ShouldBeStored(reloaded.CreatedAt, T0);
    }

    [Fact]
    public async Task Update_WhenStale_ThrowsConcurrencyConflictAndChangesNothing()
    {
        var backend = Backend(FullStdio("shared"), BackendOrigin.Config);
        await Repository.AddAsync(backend, Ct);
        var first = (await Repository.FindByNameAsync(backend.Name, Ct))!;
        var second = (await Repository.FindByNameAsync(backend.Name, Ct))!;

        first.Disable(T0.AddSeconds(1));
        await Repository.UpdateAsync(first, Ct);

        second.SyncFromConfig(MinimalSse("shared"), T0.AddSeconds(2));
        var conflict = await Should.ThrowAsync<ConcurrencyConflictException>(() => Repository.UpdateAsync(second, Ct));
        conflict.Id.ShouldBe(backend.Id);

        var stored = (await Repository.FindByNameAsync(backend.Name, Ct))!;
        stored.Version.ShouldBe(2);
        stored.Enabled.ShouldBeFalse();
        stored.Settings.Transport.ShouldBe(BackendTransport.Stdio);
        ShouldBeStored(stored.UpdatedAt, T0.AddSeconds(1));

        // Reloaded, the second writer wins.
        stored.SyncFromConfig(MinimalSse("shared"), T0.AddSeconds(3));
        await Repository.UpdateAsync(stored, Ct);
        (await Repository.FindByNameAsync(backend.Name, Ct))!.Settings.Transport.ShouldBe(BackendTransport.Sse);
    }

    [Fact]
    public async Task Update_WhenRemoved_ThrowsConcurrencyConflict()
    {
        var backend = Backend(MinimalSse("gone"));
        await Repository.AddAsync(backend, Ct);
        await Repository.RemoveAsync(backend.Id, Ct);

        backend.Disable(T0.AddSeconds(1));
        await Should.ThrowAsync<ConcurrencyConflictException>(() => Repository.UpdateAsync(backend, Ct));
    }

    [Fact]
    public async Task Add_WhenNameTaken_ThrowsDuplicateNameAndKeepsTheFirst()
    {
        var first = Backend(FullStdio("twin"));
        await Repository.AddAsync(first, Ct);

        var duplicate = await Should.ThrowAsync<DuplicateNameException>(() => Repository.AddAsync(Backend(MinimalSse("twin")), Ct));

        duplicate.Name.ShouldBe("twin");
        (await Repository.ListAsync(Ct)).Single().Id.ShouldBe(first.Id);
    }

    [Fact]
    public async Task Add_NamesDifferingOnlyInCase_AreDistinct()
    {
        await Repository.AddAsync(Backend(MinimalSse("Case")), Ct);
        await Repository.AddAsync(Backend(MinimalSse("case")), Ct);

        (await Repository.ListAsync(Ct)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task Remove_ReturnsTrueOnceThenFalse()
    {
        var backend = Backend(MinimalSse("remove-me"));
        await Repository.AddAsync(backend, Ct);

        (await Repository.RemoveAsync(backend.Id, Ct)).ShouldBeTrue();
        (await Repository.RemoveAsync(backend.Id, Ct)).ShouldBeFalse();
        (await Repository.RemoveAsync(Guid.NewGuid(), Ct)).ShouldBeFalse();
        (await Repository.FindByNameAsync(backend.Name, Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task Remove_CascadesToCredentialsAndPendingConnectionRequests()
    {
        var doomed = Backend(FullHttp("doomed"));
        var kept = Backend(FullHttp("kept"));
        await Repository.AddAsync(doomed, Ct);
        await Repository.AddAsync(kept, Ct);
        await InsertCredentialAsync(doomed.Id);
        await InsertCredentialAsync(kept.Id);
        var requests = new AuthorizationRequestRepository(Factory);
        var pendingForDoomed = AuthorizationRequest.ForBackend("admin", "doomed", ["read"], "{}", DateTimeOffset.UtcNow);
        var decidedForDoomed = AuthorizationRequest.ForBackend("admin", "doomed", ["read"], "{}", DateTimeOffset.UtcNow);
        decidedForDoomed.Deny("admin", DateTimeOffset.UtcNow);
        var pendingForKept = AuthorizationRequest.ForBackend("admin", "kept", ["read"], "{}", DateTimeOffset.UtcNow);
        foreach (var request in new[] { pendingForDoomed, decidedForDoomed, pendingForKept })
        {
            await requests.AddAsync(request, Ct);
        }

        (await Repository.RemoveAsync(doomed.Id, Ct)).ShouldBeTrue();

        (await Db.CountAsync("backend_credentials")).ShouldBe(1);
        (await Db.CountAsync("backend_credentials", "backend_id = @Id", new { Id = DbValues.Id(Db.Dialect, kept.Id) })).ShouldBe(1);
        (await requests.FindAsync(pendingForDoomed.Id, Ct)).ShouldBeNull();
        (await requests.FindAsync(decidedForDoomed.Id, Ct)).ShouldNotBeNull();
        (await requests.FindAsync(pendingForKept.Id, Ct)).ShouldNotBeNull();
    }

    [Fact]
    public async Task SaveChanges_StoresEveryRemovalUpdateAndAdditionTogether()
    {
        var kept = Backend(FullStdio("kept"), BackendOrigin.Config);
        var doomed = Backend(FullHttp("doomed"), BackendOrigin.Config);
        var renamed = Backend(MinimalSse("Renamed"), BackendOrigin.Config);
        foreach (var backend in new[] { kept, doomed, renamed })
        {
            await Repository.AddAsync(backend, Ct);
        }

        await InsertCredentialAsync(doomed.Id);
        var requests = new AuthorizationRequestRepository(Factory);
        var pendingForDoomed = AuthorizationRequest.ForBackend("admin", "doomed", ["read"], "{}", DateTimeOffset.UtcNow);
        await requests.AddAsync(pendingForDoomed, Ct);

        var changed = (await Repository.FindByNameAsync(kept.Name, Ct))!;
        changed.SyncFromConfig(FullStdio("kept") with { Tags = [Tag.From("prod")] }, T0.AddMinutes(1));
        var added = Backend(FullHttp("added"), BackendOrigin.Config);
        var renamedAgain = Backend(MinimalSse("renamed"), BackendOrigin.Config);

        await Repository.SaveChangesAsync(new BackendChangeSet([added, renamedAgain], [changed], [doomed, renamed]), Ct);

        (await Repository.ListAsync(Ct)).Select(b => b.Name.Value).ShouldBe(["added", "kept", "renamed"]);
        var stored = (await Repository.FindByNameAsync(kept.Name, Ct))!;
        stored.Version.ShouldBe(2);
        stored.Settings.Tags.ShouldBe([Tag.From("prod")]);
        ShouldBeSame((await Repository.FindByNameAsync(added.Name, Ct))!.Settings, added.Settings);
        changed.HasUnsavedChanges.ShouldBeFalse();
        added.HasUnsavedChanges.ShouldBeFalse();
        (await Db.CountAsync("backend_credentials")).ShouldBe(0);
        (await requests.FindAsync(pendingForDoomed.Id, Ct)).ShouldBeNull();
        (await RawSettingsAsync()).ShouldAllBe(settings => !settings.Contains("s3cr3t") && !settings.Contains("very-secret"));
    }

    [Fact]
    public async Task SaveChanges_WhenAnUpdateIsStale_ThrowsConcurrencyConflictAndStoresNothing()
    {
        var doomed = Backend(MinimalSse("doomed"), BackendOrigin.Config);
        var shared = Backend(FullStdio("shared"), BackendOrigin.Config);
        await Repository.AddAsync(doomed, Ct);
        await Repository.AddAsync(shared, Ct);
        var first = (await Repository.FindByNameAsync(shared.Name, Ct))!;
        var stale = (await Repository.FindByNameAsync(shared.Name, Ct))!;
        first.Disable(T0.AddSeconds(1));
        await Repository.UpdateAsync(first, Ct);

        stale.SyncFromConfig(MinimalSse("shared"), T0.AddSeconds(2));
        var added = Backend(MinimalSse("added"), BackendOrigin.Config);
        var conflict = await Should.ThrowAsync<ConcurrencyConflictException>(() =>
            Repository.SaveChangesAsync(new BackendChangeSet([added], [stale], [doomed]), Ct));

        conflict.Id.ShouldBe(shared.Id);
        (await Repository.ListAsync(Ct)).Select(b => b.Name.Value).ShouldBe(["doomed", "shared"]);
        (await Repository.FindByNameAsync(shared.Name, Ct))!.Settings.Transport.ShouldBe(BackendTransport.Stdio);
        stale.HasUnsavedChanges.ShouldBeTrue();
        added.HasUnsavedChanges.ShouldBeTrue();
    }

    [Fact]
    public async Task SaveChanges_WhenAnAddedNameIsTaken_ThrowsDuplicateNameAndStoresNothing()
    {
        var existing = Backend(FullStdio("twin"), BackendOrigin.Config);
        var doomed = Backend(MinimalSse("doomed"), BackendOrigin.Config);
        await Repository.AddAsync(existing, Ct);
        await Repository.AddAsync(doomed, Ct);
        var changed = (await Repository.FindByNameAsync(existing.Name, Ct))!;
        changed.SyncFromConfig(FullStdio("twin") with { Tags = [Tag.From("prod")] }, T0.AddSeconds(1));

        var duplicate = await Should.ThrowAsync<DuplicateNameException>(() =>
            Repository.SaveChangesAsync(new BackendChangeSet([Backend(MinimalSse("twin"), BackendOrigin.Config)], [changed], [doomed]), Ct));

        duplicate.Name.ShouldBe("twin");
        (await Repository.ListAsync(Ct)).Select(b => b.Name.Value).ShouldBe(["doomed", "twin"]);
        (await Repository.FindByNameAsync(existing.Name, Ct))!.Version.ShouldBe(1);
        changed.HasUnsavedChanges.ShouldBeTrue();
    }

    [Fact]
    public async Task Credentials_ForUnknownBackend_AreRefusedByTheForeignKey()
    {
        await Should.ThrowAsync<Exception>(() => InsertCredentialAsync(Guid.NewGuid()));
    }

    [Fact]
    public async Task List_OrdersByNameInByteOrder()
    {
        foreach (var name in new[] { "b.three", "a-one", "B-two", "9nine", "a_one" })
        {
            await Repository.AddAsync(Backend(MinimalSse(name)), Ct);
        }

        (await Repository.ListAsync(Ct)).Select(b => b.Name.Value).ShouldBe(["9nine", "B-two", "a-one", "a_one", "b.three"]);
    }

    private Task<int> InsertCredentialAsync(Guid backendId) => Db.ExecuteAsync(
        "INSERT INTO backend_credentials (backend_id, protected_blob, updated_at) VALUES (@Id, @Blob, @At)",
        new { Id = DbValues.Id(Db.Dialect, backendId), Blob = new byte[] { 1, 2, 3, 0, 255 }, At = DbValues.Time(Db.Dialect, T0) });

    private static void ShouldBeSameStdio(StdioBackendSettings actual, StdioBackendSettings expected)
    {
        actual.Command.ShouldBe(expected.Command);
        actual.Args.ShouldBe(expected.Args);
        actual.WorkingDirectory.ShouldBe(expected.WorkingDirectory);
        actual.Environment.OrderBy(kv => kv.Key, StringComparer.Ordinal).ShouldBe(expected.Environment.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        actual.RestartOnExit.ShouldBe(expected.RestartOnExit);
        actual.MaxRestarts.ShouldBe(expected.MaxRestarts);
        actual.RestartDelay.ShouldBe(expected.RestartDelay);
    }

    private static void ShouldBeSameHttp(HttpBackendSettings actual, HttpBackendSettings expected)
    {
        actual.Url.OriginalString.ShouldBe(expected.Url.OriginalString);
        actual.Headers.OrderBy(kv => kv.Key, StringComparer.Ordinal).ShouldBe(expected.Headers.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        actual.OAuth.ShouldBe(expected.OAuth);
        actual.OAuth?.ClientSecret.ShouldBe(expected.OAuth?.ClientSecret);
        actual.OAuth?.RedirectUrl?.OriginalString.ShouldBe(expected.OAuth?.RedirectUrl?.OriginalString);
    }

    internal static void ShouldBeSame(BackendSettings actual, BackendSettings expected)
    {
        actual.Name.ShouldBe(expected.Name);
        actual.Transport.ShouldBe(expected.Transport);
        switch (expected)
        {
            case StdioBackendSettings stdio:
                ShouldBeSameStdio(actual.Stdio(), stdio);
                break;
            case HttpBackendSettings http:
                ShouldBeSameHttp(actual.Http(), http);
                break;
        }

        actual.ConnectionTimeout.ShouldBe(expected.ConnectionTimeout);
        actual.RequestTimeout.ShouldBe(expected.RequestTimeout);
        actual.Tags.ShouldBe(expected.Tags);
        actual.Disabled.ShouldBe(expected.Disabled);
        actual.DisabledTools.SetEquals(expected.DisabledTools).ShouldBeTrue();
        actual.DisabledTools.Contains("drop").ShouldBeFalse("disabled tools stay case-sensitive");
        actual.ToolDescriptionOverrides.OrderBy(kv => kv.Key, StringComparer.Ordinal).ShouldBe(expected.ToolDescriptionOverrides.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        actual.InstructionOverride.ShouldBe(expected.InstructionOverride);
        actual.RequiresReconnectComparedTo(expected).ShouldBeFalse();
        actual.MetadataDiffersFrom(expected).ShouldBeFalse();
    }
}
