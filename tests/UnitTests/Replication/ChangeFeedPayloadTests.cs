using System.Text;
using OneMcp.Application.Replication;
using OneMcp.Infrastructure.Replication;

namespace OneMcp.UnitTests.Replication;

public sealed class ChangeFeedPayloadTests
{
    [Theory]
    [InlineData(GatewayChangeKind.Backends, null)]
    [InlineData(GatewayChangeKind.BackendCredentials, "alpha")]
    [InlineData(GatewayChangeKind.Presets, "team")]
    [InlineData(GatewayChangeKind.TagScopes, "web")]
    [InlineData(GatewayChangeKind.Users, "bob")]
    [InlineData(GatewayChangeKind.OAuthTokens, null)]
    public void Serialize_ThenParse_GivesTheSameChangeAndOrigin(GatewayChangeKind kind, string? name)
    {
        var sent = new ChangeFeedPayload("replica-1", new GatewayChange(kind, name));

        ChangeFeedPayload.TryParse(sent.Serialize(), out var received, out var error).ShouldBeTrue(error);

        received.ShouldBe(sent);
    }

    [Fact]
    public void Serialize_NamesTheKindInWords()
    {
        new ChangeFeedPayload("r", new GatewayChange(GatewayChangeKind.OAuthTokens)).Serialize().ShouldBe("""{"origin":"r","kind":"oAuthTokens"}""");
    }

    [Fact]
    public void Serialize_WhenTheNameWouldMakeItTooLong_LeavesTheNameOut()
    {
        var payload = new ChangeFeedPayload("r", new GatewayChange(GatewayChangeKind.Presets, new string('é', 5000))).Serialize();

        Encoding.UTF8.GetByteCount(payload).ShouldBeLessThan(8000);
        ChangeFeedPayload.TryParse(payload, out var received, out _).ShouldBeTrue();
        received.Change.ShouldBe(new GatewayChange(GatewayChangeKind.Presets));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("""{"kind":"backends"}""")]
    [InlineData("""{"origin":"r"}""")]
    [InlineData("""{"origin":"r","kind":"everything"}""")]
    [InlineData("""{"origin":"r","kind":3}""")]
    [InlineData("""{"origin":"r","kind":"backends","name":7}""")]
    public void TryParse_WhenThePayloadIsNotAChange_SaysWhyWithoutThrowing(string? payload)
    {
        ChangeFeedPayload.TryParse(payload, out var parsed, out var error).ShouldBeFalse();

        parsed.ShouldBeNull();
        error.ShouldNotBeNullOrWhiteSpace();
    }
}
