using OneMcp.Domain.Backends;

namespace OneMcp.IntegrationTests.Persistence;

/// <summary>Asserts the transport type of settings and gives its typed view, for reading transport-specific fields.</summary>
public static class BackendSettingsAssertions
{
    public static StdioBackendSettings Stdio(this BackendSettings? settings) => settings.ShouldBeOfType<StdioBackendSettings>();

    public static HttpBackendSettings Http(this BackendSettings? settings) => settings.ShouldBeAssignableTo<HttpBackendSettings>()!;
}
