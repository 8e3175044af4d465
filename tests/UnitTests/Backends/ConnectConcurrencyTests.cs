using OneMcp.Infrastructure.Backends;

namespace OneMcp.UnitTests.Backends;

/// <summary>How many backends connect at once follows the machine: twice its cores, between 5 and 64.</summary>
public sealed class ConnectConcurrencyTests
{
    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 5)]
    [InlineData(4, 8)]
    [InlineData(16, 32)]
    [InlineData(32, 64)]
    [InlineData(128, 64)]
    public void TwiceTheCores_AtLeastFive_AtMostSixtyFour(int processors, int expected) =>
        BackendPool.ConnectConcurrency(processors).ShouldBe(expected);

    [Fact]
    public void ThisMachine_UsesItsOwnProcessorCount() =>
        BackendPool.MaxParallelConnects.ShouldBe(BackendPool.ConnectConcurrency(Environment.ProcessorCount));
}
