using Microsoft.Extensions.Logging.Abstractions;
using OneMcp.Application.Backends;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Configuration;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.ControlPlane;

/// <summary>The backend use cases wired over in-memory stores, a recording runtime and the real mcp.json rules.</summary>
internal sealed class ControlPlaneFixture : IDisposable
{
    public ControlPlaneFixture()
    {
        Catalog = new BackendCatalog(Repository, Runtime, Gate, Changes, Time, NullLogger<BackendCatalog>.Instance);
    }

    public InMemoryBackendRepository Repository { get; } = new();

    public RecordingRuntime Runtime { get; } = new();

    public BackendCatalogGate Gate { get; } = new();

    public RecordingChangeFeed Changes { get; } = new();

    public FixedTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));

    public BackendDefinitionAssembler Assembler { get; } = new();

    public FakePool Pool { get; } = new();

    public InMemoryAuthorizationRequestRepository Requests { get; } = new();

    public BackendCatalog Catalog { get; }

    public static BackendSettings Stdio(string name, params string[] tags) => new StdioBackendSettings
    {
        Name = ServerName.From(name),
        Command = "node",
        Args = ["server.js"],
        Tags = [.. tags.Select(Tag.From)],
    };

    public void Dispose() => Gate.Dispose();
}
