using System.Security.Cryptography;
using OneMcp.Infrastructure.Replication;

namespace OneMcp.UnitTests.Replication;

/// <summary>The hop key: derived from the key-ring key, the same on every replica holding it, and nobody else's.</summary>
public sealed class RelayKeyTests
{
    private static readonly byte[] KeyRingKey = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public void Matches_TheValueOfAReplicaWithTheSameKeyRingKey()
    {
        var mine = new RelayKey(KeyRingKey);
        var other = new RelayKey([.. KeyRingKey]);

        mine.Matches(other.Value).ShouldBeTrue();
    }

    [Fact]
    public void Value_IsNotTheKeyRingKeyItself()
    {
        var key = new RelayKey(KeyRingKey);

        key.Value.ShouldNotBe(Convert.ToBase64String(KeyRingKey));
        Convert.FromBase64String(key.Value).Length.ShouldBe(32);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not base64 at all!")]
    [InlineData("AAAA")]
    public void Matches_RefusesMissingOrMalformedValues(string? presented) =>
        new RelayKey(KeyRingKey).Matches(presented).ShouldBeFalse();

    [Fact]
    public void Matches_RefusesTheValueOfAnotherKeyRingKey()
    {
        var stranger = new RelayKey(RandomNumberGenerator.GetBytes(32));

        new RelayKey(KeyRingKey).Matches(stranger.Value).ShouldBeFalse();
    }
}
