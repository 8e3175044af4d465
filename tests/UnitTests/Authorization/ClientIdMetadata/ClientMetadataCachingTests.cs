using System.Net.Http.Headers;
using OneMcp.Application.Authorization.ClientIdMetadata;
using OneMcp.Infrastructure.Identity.ClientIdMetadata;

namespace OneMcp.UnitTests.Authorization.ClientIdMetadata;

public sealed class ClientMetadataCachingTests
{
    [Theory]
    [InlineData(null, 0)]
    [InlineData("max-age=300", 300)]
    [InlineData("public, max-age=60", 60)]
    [InlineData("max-age=0", 0)]
    [InlineData("no-store, max-age=300", 0)]
    [InlineData("no-cache, max-age=300", 0)]
    [InlineData("max-age=31536000", 86400)]
    public void CacheLifetime_FollowsMaxAgeBoundedToADay(string? header, int seconds) =>
        ClientMetadataFetcher.CacheLifetime(header is null ? null : CacheControlHeaderValue.Parse(header)).ShouldBe(TimeSpan.FromSeconds(seconds));

    [Fact]
    public void Cache_KeepsADocumentForItsLifetimeOnly()
    {
        var time = new Clock();
        var cache = new ClientMetadataCache(time);
        var document = new ClientMetadataDocument("https://app.example.com/c.json", "App", "app.example.com", [new Uri("https://app.example.com/cb")], MayRefresh: false);

        cache.Add(document, TimeSpan.FromMinutes(5));
        cache.Find(document.ClientId).ShouldBe(document);

        time.Now += TimeSpan.FromMinutes(5);
        cache.Find(document.ClientId).ShouldBeNull();
    }

    [Fact]
    public void Cache_WithNoLifetime_KeepsNothing()
    {
        var cache = new ClientMetadataCache(new Clock());
        var document = new ClientMetadataDocument("https://app.example.com/c.json", null, "app.example.com", [new Uri("https://app.example.com/cb")], MayRefresh: false);

        cache.Add(document, TimeSpan.Zero);

        cache.Find(document.ClientId).ShouldBeNull();
    }

    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
