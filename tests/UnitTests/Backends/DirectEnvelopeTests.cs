using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using OneMcp.Infrastructure.Backends;

namespace OneMcp.UnitTests.Backends;

/// <summary>The envelope the direct paths write into a 2026-07-28 request's <c>_meta</c>, and the caller's <c>_meta</c> around it.</summary>
public sealed class DirectEnvelopeTests
{
    private const string Revision = "2026-07-28";

    private static readonly DirectEnvelope s_envelope = new(
        new Implementation { Name = "onemcp", Version = "1.2.3" },
        new ClientCapabilities { Sampling = new SamplingCapability() });

    [Fact]
    public void Meta_LaysTheEnvelopeOverTheCallers_AndLeavesTheCallersAsItWas()
    {
        var callers = Callers();

        var meta = s_envelope.Meta(callers, Revision);

        meta["traceparent"]!.GetValue<string>().ShouldBe("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        meta[MetaKeys.ProtocolVersion]!.GetValue<string>().ShouldBe(Revision);
        meta[MetaKeys.ClientInfo]!["name"]!.GetValue<string>().ShouldBe("onemcp");
        var capabilities = meta[MetaKeys.ClientCapabilities]!.AsObject();
        capabilities.ContainsKey("sampling").ShouldBeTrue();
        capabilities.ContainsKey("x-caller").ShouldBeTrue("a capability the caller added is kept");

        callers.ToJsonString().ShouldBe(Callers().ToJsonString());
    }

    [Fact]
    public void Meta_WithoutTheCallersMeta_IsTheEnvelopeAlone()
    {
        var meta = s_envelope.Meta(null, Revision);

        meta.Select(property => property.Key).Order().ShouldBe(
            new[] { MetaKeys.ClientCapabilities, MetaKeys.ClientInfo, MetaKeys.ProtocolVersion }.Order());
    }

    [Fact]
    public void Written_WritesTheEnvelope_AndGivesTheCallerTheirMetaBack()
    {
        var callers = Callers();
        var parameters = new CallToolRequestParams { Name = "echo", Meta = callers };

        var written = s_envelope.Written(parameters, Revision, "state", static (enveloped, state) => $"{state}:{enveloped.Meta!.ToJsonString()}");

        written.ShouldStartWith("state:");
        written.ShouldContain(Revision);
        written.ShouldContain("onemcp");
        parameters.Meta.ShouldBeSameAs(callers);
        callers.ContainsKey(MetaKeys.ProtocolVersion).ShouldBeFalse();
    }

    [Fact]
    public void Written_GivesTheCallerTheirMetaBack_WhenTheWriteFails()
    {
        var parameters = new CallToolRequestParams { Name = "echo", Meta = null };

        Should.Throw<InvalidOperationException>(() =>
            s_envelope.Written<CallToolRequestParams, int, int>(parameters, Revision, 0, static (_, _) => throw new InvalidOperationException("the pipe broke")));

        parameters.Meta.ShouldBeNull();
    }

    private static JsonObject Callers() => new()
    {
        ["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        [MetaKeys.ClientCapabilities] = new JsonObject { ["x-caller"] = new JsonObject() },
    };
}
