using OneMcp.Application.Authorization;

namespace OneMcp.IntegrationTests.Support;

/// <summary>One gateway with <c>--enable-auth --enable-scope-validation</c> per <c>--scope-match</c> mode, for table-driven scope tests.</summary>
public abstract class PerScopeMatchGateways : IAsyncLifetime
{
    private readonly Dictionary<ScopeMatch, GatewayUnderTest> _gateways = [];

    internal IReadOnlyDictionary<ScopeMatch, GatewayUnderTest> ByMatch => _gateways;

    public async Task InitializeAsync()
    {
        foreach (var match in new[] { ScopeMatch.All, ScopeMatch.Any })
        {
            var gateway = await GatewayUnderTest.StartWithAuthAsync(Backends(), adjust: o => o with { EnableScopeValidation = true, ScopeMatch = match });
            _gateways[match] = gateway;
            await SetUpAsync(gateway);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var gateway in _gateways.Values)
        {
            await gateway.DisposeAsync();
        }
    }

    /// <summary>The backends every gateway runs.</summary>
    internal abstract ConfigBuilder Backends();

    /// <summary>Users, policies and the like, once per gateway.</summary>
    internal abstract Task SetUpAsync(GatewayUnderTest gateway);
}
