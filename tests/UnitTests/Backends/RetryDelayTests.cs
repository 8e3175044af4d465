using OneMcp.Infrastructure.Backends;

namespace OneMcp.UnitTests.Backends;

public sealed class RetryDelayTests
{
    [Theory]
    [InlineData(1, 30)]
    [InlineData(2, 60)]
    [InlineData(3, 120)]
    [InlineData(4, 240)]
    [InlineData(5, 300)]
    [InlineData(60, 300)]
    public void Doubles_FromTheFirstDelay_UpToTheCap(int failures, int seconds) =>
        RetryDelay.After(failures, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(5)).ShouldBe(TimeSpan.FromSeconds(seconds));

    [Fact]
    public void NoFailure_IsNotADelay() =>
        Should.Throw<ArgumentOutOfRangeException>(() => RetryDelay.After(0, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)));
}
