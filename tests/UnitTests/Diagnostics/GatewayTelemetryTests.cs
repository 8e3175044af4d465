using System.Diagnostics;
using System.Text.Json.Nodes;
using OneMcp.Application.Diagnostics;

namespace OneMcp.UnitTests.Diagnostics;

public sealed class GatewayTelemetryTests
{
    private const string ClientParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    [Fact]
    public void WithTraceContext_WhenNothingIsTraced_ForwardsTheClientsMetaUnchanged()
    {
        var meta = new JsonObject { ["traceparent"] = ClientParent, ["custom"] = 1 };

        GatewayTelemetry.WithTraceContext(meta, span: null).ShouldBeSameAs(meta);
        GatewayTelemetry.WithTraceContext(null, span: null).ShouldBeNull();
    }

    [Fact]
    public void WithTraceContext_WithABackendSpan_WritesItsTraceparentOnACopyKeepingTheClientsFields()
    {
        var meta = new JsonObject { ["traceparent"] = ClientParent, ["tracestate"] = "old=1", ["custom"] = 1 };
        using var span = new Activity("backend tools/call").SetIdFormat(ActivityIdFormat.W3C).Start();

        var forwarded = GatewayTelemetry.WithTraceContext(meta, span)!;

        forwarded["traceparent"]!.GetValue<string>().ShouldBe(span.Id);
        forwarded.ContainsKey("tracestate").ShouldBeFalse();
        forwarded["custom"]!.GetValue<int>().ShouldBe(1);
        meta["traceparent"]!.GetValue<string>().ShouldBe(ClientParent);
    }

    [Fact]
    public void ParentFrom_WhenMetaNamesAnotherTrace_ReturnsThatRemoteContext()
    {
        var parent = GatewayTelemetry.ParentFrom(new JsonObject { ["traceparent"] = ClientParent, ["tracestate"] = "k=v" });

        parent.TraceId.ToHexString().ShouldBe("0af7651916cd43dd8448eb211c80319c");
        parent.SpanId.ToHexString().ShouldBe("b7ad6b7169203331");
        parent.IsRemote.ShouldBeTrue();
        parent.TraceState.ShouldBe("k=v");
    }

    [Theory]
    [InlineData("k=v\r\nX-Injected: 1")]
    [InlineData("k=v\u0000")]
    [InlineData("k=caf\u00e9")]
    public void ParentFrom_DropsATracestateThatCouldNotGoInAHeader_AndKeepsTheParent(string tracestate)
    {
        var parent = GatewayTelemetry.ParentFrom(new JsonObject { ["traceparent"] = ClientParent, ["tracestate"] = tracestate });

        parent.SpanId.ToHexString().ShouldBe("b7ad6b7169203331");
        parent.TraceState.ShouldBeNull();
    }

    [Fact]
    public void ParentFrom_DropsATracestateLongerThanW3CAllows()
    {
        GatewayTelemetry.ParentFrom(new JsonObject { ["traceparent"] = ClientParent, ["tracestate"] = "k=" + new string('v', 511) }).TraceState.ShouldBeNull();
    }

    [Theory]
    [InlineData("not-a-traceparent")]
    [InlineData("00-00000000000000000000000000000000-b7ad6b7169203331-01")]
    public void ParentFrom_WhenTheTraceparentIsInvalid_ReturnsDefault(string traceparent)
    {
        GatewayTelemetry.ParentFrom(new JsonObject { ["traceparent"] = traceparent }).ShouldBe(default);
    }

    [Fact]
    public void ParentFrom_WhenMetaHasNoStringTraceparent_ReturnsDefault()
    {
        GatewayTelemetry.ParentFrom(null).ShouldBe(default);
        GatewayTelemetry.ParentFrom(new JsonObject { ["traceparent"] = 42 }).ShouldBe(default);
    }

    [Fact]
    public void HashUser_WhenCalledTwice_IsStableShortAndNotTheId()
    {
        var hash = GatewayTelemetry.HashUser("3f2504e0-4f89-11d3-9a0c-0305e82c3301");

        hash.ShouldBe(GatewayTelemetry.HashUser("3f2504e0-4f89-11d3-9a0c-0305e82c3301"));
        hash.Length.ShouldBe(16);
        hash.ShouldNotContain("3f2504e0");
        hash.ShouldNotBe(GatewayTelemetry.HashUser("someone else"));
    }
}
