using OneMcp.Application.Gateway.Sessions;

namespace OneMcp.UnitTests.Gateway.Sessions;

public sealed class SessionIdTests
{
    [Fact]
    public async Task NewId_DrawnConcurrently_IsNeverRepeated_AndSharesTheProcessPart()
    {
        var ids = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Enumerable.Range(0, 5_000).Select(_ => GatewaySession.NewId()).ToArray())));

        var all = ids.SelectMany(i => i).ToArray();
        all.Distinct(StringComparer.Ordinal).Count().ShouldBe(all.Length);
        all.Select(id => id.Split('-')[0]).Distinct(StringComparer.Ordinal).ShouldHaveSingleItem().Length.ShouldBe(12);
    }
}
