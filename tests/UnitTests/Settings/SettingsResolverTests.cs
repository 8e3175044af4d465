using OneMcp.Infrastructure.Settings;

namespace OneMcp.UnitTests.Settings;

/// <summary>Flag, then <c>ONEMCP_*</c> variable, then default; and the settings that contradict each other.</summary>
public sealed class SettingsResolverTests
{
    private static SettingsResolver Resolver(Dictionary<string, string>? flags = null, Dictionary<string, string>? variables = null) =>
        new(
            name => flags?.GetValueOrDefault(name),
            name => flags?.GetValueOrDefault(name) is { } given ? given != "false" : null,
            name => name == "XDG_DATA_HOME" ? Path.Combine(Path.GetTempPath(), "onemcp-resolver-tests") : variables?.GetValueOrDefault(name));

    [Fact]
    public async Task ResolveServe_WithNothingGiven_UsesTheDefaults()
    {
        var options = await Resolver().ResolveServeAsync(CancellationToken.None);

        options.Port.ShouldBe(ServeOptions.DefaultPort);
        options.Host.ShouldBe(ServeOptions.DefaultHost);
        options.SessionTtl.ShouldBe(ServeOptions.DefaultSessionTtl);
        options.EnableAuth.ShouldBeFalse();
        options.AuditEnabled.ShouldBeTrue();
        options.DataDirectory.ShouldBe(Path.Combine(Path.GetTempPath(), "onemcp-resolver-tests", "onemcp"));
    }

    [Fact]
    public async Task ResolveServe_WithAFlagAndAVariable_TakesTheFlag()
    {
        var options = await Resolver(new() { ["--port"] = "4000" }, new() { ["ONEMCP_PORT"] = "5000", ["ONEMCP_SESSION_TTL"] = "15" })
            .ResolveServeAsync(CancellationToken.None);

        options.Port.ShouldBe(4000);
        options.SessionTtl.ShouldBe(TimeSpan.FromMinutes(15));
    }

    [Fact]
    public async Task ResolveServe_WithASwitchVariable_TurnsItOn()
    {
        var options = await Resolver(variables: new() { ["ONEMCP_METRICS"] = "yes", ["ONEMCP_DISABLE_AUDIT"] = "1" }).ResolveServeAsync(CancellationToken.None);

        options.Metrics.ShouldBeTrue();
        options.AuditEnabled.ShouldBeFalse();
    }

    [Fact]
    public async Task ResolveServe_WithASwitchGivenFalse_TakesTheFlagOverTheVariable()
    {
        // --disable-audit=false and --metrics false on the command line; the variables say the opposite.
        var options = await Resolver(
                new() { ["--disable-audit"] = "false", ["--metrics"] = "false" },
                new() { ["ONEMCP_DISABLE_AUDIT"] = "1", ["ONEMCP_METRICS"] = "true" })
            .ResolveServeAsync(CancellationToken.None);

        options.AuditEnabled.ShouldBeTrue();
        options.Metrics.ShouldBeFalse();
    }

    [Fact]
    public async Task ResolveServe_WithEnableAuthGivenFalse_DoesNotTurnAuthOnFromTheVariable()
    {
        var options = await Resolver(new() { ["--enable-auth"] = "false" }, new() { ["ONEMCP_ENABLE_AUTH"] = "true" })
            .ResolveServeAsync(CancellationToken.None);

        options.EnableAuth.ShouldBeFalse();
    }

    [Fact]
    public async Task ResolveServe_WithAConfigFileOfSeveralErrors_NamesEveryOneOnItsOwnLine()
    {
        var file = Path.Combine(Path.GetTempPath(), $"onemcp-resolver-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """
            { "mcpServers": { "a": { "command": 42 }, "b": { "url": "ftp://x" }, "c": { "command": "run", "maxRestarts": -1 } } }
            """);
        try
        {
            var e = await Should.ThrowAsync<InvalidSettingException>(() => Resolver(new() { ["--config"] = file }).ResolveServeAsync(CancellationToken.None));

            var lines = e.Message.Split('\n');
            lines[0].ShouldBe($"invalid configuration '{file}', 3 errors:");
            lines.Skip(1).Select(l => l.Trim().Split(':')[0]).ShouldBe(["$.mcpServers.a.command", "$.mcpServers.b.url", "$.mcpServers.c.maxRestarts"]);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task ResolveServe_WithAConfigFileOfOneError_SaysItInOneLine()
    {
        var file = Path.Combine(Path.GetTempPath(), $"onemcp-resolver-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """{ "mcpServers": { "a": { "command": 42 } } }""");
        try
        {
            var e = await Should.ThrowAsync<InvalidSettingException>(() => Resolver(new() { ["--config"] = file }).ResolveServeAsync(CancellationToken.None));

            e.Message.ShouldStartWith($"invalid configuration '{file}' at $.mcpServers.a.command: ");
            e.Message.ShouldNotContain("\n");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task ResolveServe_WithScopeValidationButNoAuth_SaysAuthIsNeeded()
    {
        var e = await Should.ThrowAsync<InvalidSettingException>(
            () => Resolver(new() { ["--enable-scope-validation"] = "" }).ResolveServeAsync(CancellationToken.None));

        e.Message.ShouldBe("--enable-scope-validation needs --enable-auth: scopes come from the gateway's OAuth tokens.");
    }

    [Fact]
    public async Task ResolveServe_OnANetworkAddressWithoutAuth_Refuses()
    {
        var e = await Should.ThrowAsync<InvalidSettingException>(
            () => Resolver(variables: new() { ["ONEMCP_HOST"] = "0.0.0.0" }).ResolveServeAsync(CancellationToken.None));

        e.Message.ShouldStartWith("refusing to serve --host 0.0.0.0 without --enable-auth:");
    }

    [Fact]
    public async Task ResolveServe_OnANetworkAddressWithTheOperatorsConsent_Serves()
    {
        var options = await Resolver(new() { ["--host"] = "0.0.0.0", ["--allow-insecure-network"] = "" }).ResolveServeAsync(CancellationToken.None);

        options.BindsNetwork.ShouldBeTrue();
        options.AllowInsecureNetwork.ShouldBeTrue();
    }

    [Fact]
    public async Task ResolveServe_WithAMissingConfigFile_SaysItDoesNotExist()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"onemcp-{Guid.NewGuid():N}.json");

        var e = await Should.ThrowAsync<InvalidSettingException>(
            () => Resolver(new() { ["--config"] = missing }).ResolveServeAsync(CancellationToken.None));

        e.Message.ShouldBe($"cannot read the configuration file '{missing}': it does not exist.");
    }

    [Fact]
    public void ResolveStorage_WithAnInvalidConnectionString_NamesTheFlag()
    {
        var e = Should.Throw<InvalidSettingException>(() => Resolver(variables: new() { ["ONEMCP_DATABASE"] = "not a connection string" }).ResolveStorage());

        e.Message.ShouldStartWith("invalid --database: ");
    }

    [Theory]
    [InlineData("Port=5432;Database=onemcp;Username=onemcp")]
    [InlineData("Host=;Database=onemcp")]
    [InlineData("Host= ;;")]
    public void ResolveStorage_WithAConnectionStringWithoutAHost_SaysSo(string connectionString)
    {
        var e = Should.Throw<InvalidSettingException>(() => Resolver(new() { ["--database"] = connectionString }).ResolveStorage());

        e.Message.ShouldStartWith("invalid --database: the PostgreSQL connection string names no Host");
    }

    [Fact]
    public void ResolveStorage_WithSettingsNpgsqlRefusesTogether_SaysSoAtOnce()
    {
        // Parses key by key, but Npgsql refuses the combination when a connection is created.
        Should.Throw<InvalidSettingException>(() => Resolver(new() { ["--database"] = "Host=db;Database=onemcp;Pooling=false;Multiplexing=true" }).ResolveStorage())
            .Message.ShouldStartWith("invalid --database: ");
    }

    [Fact]
    public void ResolveStorage_WithADataDirVariable_UsesItsFullPath()
    {
        var storage = Resolver(variables: new() { ["ONEMCP_DATA_DIR"] = "state" }).ResolveStorage();

        storage.ConnectionString.ShouldBeNull();
        storage.DataDirectory.ShouldBe(Path.GetFullPath("state"));
    }

    [Fact]
    public async Task ResolveServe_WithAReplicaUrl_KeepsItsSchemeHostAndPort()
    {
        var options = await Resolver(new() { ["--replica-url"] = "http://10.0.0.5:3051/" }).ResolveServeAsync(CancellationToken.None);

        options.ReplicaAddress.ShouldBe(new Uri("http://10.0.0.5:3051"));
    }

    [Fact]
    public async Task ResolveServe_WithAReplicaUrlVariable_TakesIt()
    {
        var options = await Resolver(variables: new() { ["ONEMCP_REPLICA_URL"] = "https://replica-2.internal:8443" }).ResolveServeAsync(CancellationToken.None);

        options.ReplicaUrl.ShouldBe(new Uri("https://replica-2.internal:8443"));
    }

    [Fact]
    public async Task ResolveServe_WithoutAReplicaUrl_DefaultsToTheBindAddressAndPort()
    {
        var options = await Resolver(new() { ["--port"] = "4100" }).ResolveServeAsync(CancellationToken.None);

        options.ReplicaUrl.ShouldBeNull();
        options.ReplicaAddress.ShouldBe(new Uri("http://127.0.0.1:4100"));
    }

    [Theory]
    [InlineData("::1")]
    [InlineData("[::1]")]
    public async Task ResolveServe_OnAnIPv6Host_WritesItInBracketsOnce(string host)
    {
        var options = await Resolver(new() { ["--host"] = host, ["--port"] = "4100" }).ResolveServeAsync(CancellationToken.None);

        options.HostInUrl.ShouldBe("[::1]");
        options.PublicUrl.ShouldBe(new Uri("http://[::1]:4100"));
        options.ReplicaAddress.ShouldBe(new Uri("http://[::1]:4100"));
    }

    [Theory]
    [InlineData("notaurl")]
    [InlineData("ftp://10.0.0.5:3050")]
    [InlineData("http://10.0.0.5:3050/mcp")]
    [InlineData("http://10.0.0.5:3050/?a=b")]
    public async Task ResolveServe_WithABadReplicaUrl_SaysWhatIsExpected(string value)
    {
        var e = await Should.ThrowAsync<InvalidSettingException>(
            () => Resolver(new() { ["--replica-url"] = value }).ResolveServeAsync(CancellationToken.None));

        e.Message.ShouldStartWith($"invalid replica URL '{value}':");
    }

    [Fact]
    public async Task ResolveServe_WithAnExternalUrlCarryingAPassword_RefusesItWithoutRepeatingIt()
    {
        var e = await Should.ThrowAsync<InvalidSettingException>(
            () => Resolver(new() { ["--external-url"] = "https://ops:s3cret-value@gw.example.com" }).ResolveServeAsync(CancellationToken.None));

        e.Message.ShouldStartWith("invalid external URL: it carries a user name or password");
        e.Message.ShouldNotContain("s3cret-value");
    }

    [Fact]
    public async Task ResolveServe_WithAnExternalUrl_KeepsItWithoutItsTrailingSlash()
    {
        var options = await Resolver(new() { ["--external-url"] = "https://gw.example.com/team/" }).ResolveServeAsync(CancellationToken.None);

        options.PublicUrl.ShouldBe(new Uri("https://gw.example.com/team"));
    }

    [Fact]
    public void ServeOptions_AsText_ShowNoSecret()
    {
        var options = new ServeOptions
        {
            ConnectionString = "Host=db;Username=onemcp;Password=db-s3cret",
            MetricsToken = "metrics-s3cret",
            Oidc = new OidcOptions { Issuer = new Uri("https://sso.example.com"), ClientId = "onemcp", ClientSecret = "oidc-s3cret", DisplayName = "Corp SSO" },
        };

        var text = options.ToString();

        text.ShouldNotContain("s3cret");
        text.ShouldContain("Storage = Postgres");
        text.ShouldContain("ClientSecret = set");
    }
}
