using OneMcp.Infrastructure.Backends;

namespace OneMcp.UnitTests.Backends;

public sealed class BackendCapabilityFetcherTests
{
    private sealed record Page(IList<string> Items, string? NextCursor);

    [Fact]
    public async Task Drain_ReadsEveryPage_FollowingTheCursors()
    {
        var pages = new Dictionary<string, Page>(StringComparer.Ordinal)
        {
            [""] = new(["a", "b"], "2"),
            ["2"] = new(["c"], "3"),
            ["3"] = new(["d"], null),
        };
        var asked = new List<string?>();

        var all = await BackendCapabilityFetcher.DrainAsync(
            (cursor, _) =>
            {
                asked.Add(cursor);
                return Task.FromResult(pages[cursor ?? ""]);
            },
            p => p.Items, p => p.NextCursor, CancellationToken.None);

        all.ShouldBe(["a", "b", "c", "d"]);
        asked.ShouldBe([null, "2", "3"]);
    }

    [Fact]
    public async Task Drain_StopsWhenTheBackendRepeatsACursor()
    {
        var calls = 0;

        var all = await BackendCapabilityFetcher.DrainAsync(
            (_, _) =>
            {
                calls++;
                return Task.FromResult(new Page([$"item{calls}"], "again"));
            },
            p => p.Items, p => p.NextCursor, CancellationToken.None);

        // The first page announces "again", the second announces it once more: read twice, then cut off.
        calls.ShouldBe(2);
        all.ShouldBe(["item1", "item2"]);
    }

    [Fact]
    public async Task Drain_CutsOffABackendThatPagesForever()
    {
        var calls = 0;

        var all = await BackendCapabilityFetcher.DrainAsync(
            (_, _) =>
            {
                calls++;
                return Task.FromResult(new Page(["x"], $"cursor{calls}"));
            },
            p => p.Items, p => p.NextCursor, CancellationToken.None);

        calls.ShouldBe(BackendCapabilityFetcher.MaxPages);
        all.Count.ShouldBe(BackendCapabilityFetcher.MaxPages);
    }

    [Fact]
    public void Current_IsEmptyBeforeAnyFetch()
    {
        using var fetcher = new BackendCapabilityFetcher();

        fetcher.Current.ShouldBeSameAs(OneMcp.Application.Backends.BackendCapabilities.Empty);
    }
}
