using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Gateway;

public sealed class HostSettingsTests
{
    [Fact]
    public async Task TheHost_WatchesNoSettingsFile()
    {
        List<IConfigurationSource> sources = [];
        await using var gateway = await GatewayUnderTest.StartAsync(
            new ConfigBuilder(),
            configureBuilder: builder => sources = [.. ((IConfigurationBuilder)builder.Configuration).Sources]);

        // The gateway's settings come from its flags, environment and mcp.json (which it watches itself); ASP.NET Core's
        // optional appsettings.json files are read once, not watched: a watch walks every folder under the content root.
        var files = sources.OfType<JsonConfigurationSource>().ToList();
        files.ShouldNotBeEmpty();
        files.ShouldAllBe(f => !f.ReloadOnChange);
    }
}
