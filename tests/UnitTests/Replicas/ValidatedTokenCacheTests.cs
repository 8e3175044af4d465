using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OneMcp.Infrastructure.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Validation;

namespace OneMcp.UnitTests.Replicas;

/// <summary>
/// The validated-token cache: fresh for <see cref="ValidatedTokenCache.Lifetime"/> while the store answers, kept until
/// the token's own expiry for when it does not, and emptied by any store change.
/// </summary>
public sealed class ValidatedTokenCacheTests
{
    private const string Token = "Bearer abc";
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 4, 2, 0, 0, TimeSpan.Zero));
    private readonly OAuthStoreChanges _changes = new();
    private readonly ValidatedTokenCache _cache;

    public ValidatedTokenCacheTests() => _cache = new ValidatedTokenCache(_changes, new Monitor(new OpenIddictValidationOptions { TimeProvider = _clock }));

    [Fact]
    public void AfterTheFreshnessWindow_TheStoreIsAskedAgain_ButWhileItIsUnreachableTheTokenStaysAccepted()
    {
        _cache.Add(Token, Principal(expiresIn: TimeSpan.FromHours(1)), _cache.Version);
        _cache.TryGet(Token, out _).ShouldBeTrue();

        _clock.Advance(ValidatedTokenCache.Lifetime);

        _cache.TryGet(Token, out _).ShouldBeFalse();
        _cache.TryGetWhileStoreUnreachable(Token, out var kept).ShouldBeTrue();
        kept.GetClaim(OpenIddictConstants.Claims.Subject).ShouldBe("alice");

        _clock.Advance(TimeSpan.FromMinutes(50));
        _cache.TryGetWhileStoreUnreachable(Token, out _).ShouldBeTrue();
    }

    [Theory]
    [InlineData(10)]
    [InlineData(5000)] // longer than the key's stack buffer: hashed from a pooled one
    public void EachTokenHasItsOwnEntry_WhateverItsLength(int length)
    {
        var token = "Bearer " + new string('x', length);
        var other = "Bearer " + new string('x', length - 1) + "y";
        _cache.Add(token, Principal(expiresIn: TimeSpan.FromHours(1)), _cache.Version);

        _cache.TryGet(token, out var principal).ShouldBeTrue();
        principal.GetClaim(OpenIddictConstants.Claims.Subject).ShouldBe("alice");
        _cache.TryGet(other, out _).ShouldBeFalse();
        _cache.TryGet("Bearer ünïcödé" + token[7..], out _).ShouldBeFalse();
    }

    [Fact]
    public void WhenTheTokenExpires_ItIsRefusedEvenWhileTheStoreIsUnreachable()
    {
        _cache.Add(Token, Principal(expiresIn: TimeSpan.FromMinutes(5)), _cache.Version);

        _clock.Advance(TimeSpan.FromMinutes(5));

        _cache.TryGetWhileStoreUnreachable(Token, out _).ShouldBeFalse();
        _cache.TryGet(Token, out _).ShouldBeFalse();
    }

    [Fact]
    public void AStoreChange_DropsTheEntry_FreshOrKept()
    {
        _cache.Add(Token, Principal(expiresIn: TimeSpan.FromHours(1)), _cache.Version);

        _changes.ChangedElsewhere();

        _cache.TryGet(Token, out _).ShouldBeFalse();
        _cache.TryGetWhileStoreUnreachable(Token, out _).ShouldBeFalse();
    }

    [Fact]
    public void AValidationThatReadTheStoreBeforeAChange_IsNotKept()
    {
        var before = _cache.Version;
        _changes.ChangedElsewhere();
        _cache.Add(Token, Principal(expiresIn: TimeSpan.FromHours(1)), before);

        _cache.TryGetWhileStoreUnreachable(Token, out _).ShouldBeFalse();
    }

    [Fact]
    public void ATokenNeverValidated_IsNotAccepted()
    {
        _cache.Add(Token, Principal(expiresIn: TimeSpan.FromHours(1)), _cache.Version);

        _cache.TryGetWhileStoreUnreachable("Bearer other", out _).ShouldBeFalse();
    }

    private ClaimsPrincipal Principal(TimeSpan expiresIn)
    {
        var identity = new ClaimsIdentity("test");
        identity.AddClaim(new Claim(OpenIddictConstants.Claims.Subject, "alice"));
        var principal = new ClaimsPrincipal(identity);
        principal.SetExpirationDate(_clock.GetUtcNow() + expiresIn);
        return principal;
    }

    private sealed class Monitor(OpenIddictValidationOptions options) : IOptionsMonitor<OpenIddictValidationOptions>
    {
        public OpenIddictValidationOptions CurrentValue => options;

        public OpenIddictValidationOptions Get(string? name) => options;

        public IDisposable? OnChange(Action<OpenIddictValidationOptions, string?> listener) => null;
    }
}
