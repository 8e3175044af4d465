using System.Text.Json.Nodes;
using OneMcp.Application.Authorization;
using OneMcp.Application.Authorization.Commands;

namespace OneMcp.UnitTests.Authorization;

public sealed class ClientMetadataJsonTests
{
    [Fact]
    public void Read_WellFormedMetadata_TakesEveryMemberAsSent_WithoutRepeatedGrantTypes()
    {
        var request = ClientMetadataJson.Read(JsonNode.Parse("""
            {"redirect_uris":["http://127.0.0.1/cb",7],"grant_types":["authorization_code","authorization_code","refresh_token"],
             "response_types":["code"],"token_endpoint_auth_method":"none","client_name":"Editor"}
            """)!.AsObject());

        request.RedirectUris.ShouldBe(["http://127.0.0.1/cb", null]);
        request.GrantTypes.ShouldBe(["authorization_code", "refresh_token"]);
        request.ResponseTypes.ShouldBe(["code"]);
        request.TokenEndpointAuthMethod.ShouldBe("none");
        request.ClientName.ShouldBe("Editor");
        request.Malformed.ShouldBeEmpty();
    }

    [Fact]
    public void Read_MembersOfTheWrongJsonType_AreMarkedMalformed_AndAbsentOrNullOnesAreNot()
    {
        var request = ClientMetadataJson.Read(JsonNode.Parse("""
            {"redirect_uris":"http://127.0.0.1/cb","grant_types":["authorization_code",1],"response_types":"code",
             "token_endpoint_auth_method":3,"client_name":null}
            """)!.AsObject());

        request.RedirectUris.ShouldBeNull();
        request.GrantTypes.ShouldBeNull();
        request.ResponseTypes.ShouldBeNull();
        request.TokenEndpointAuthMethod.ShouldBeNull();
        request.ClientName.ShouldBeNull();
        request.Malformed.ShouldBe(
            [ClientMetadata.GrantTypes, ClientMetadata.ResponseTypes, ClientMetadata.TokenEndpointAuthMethod], ignoreOrder: true);
    }

    [Fact]
    public void Write_AConfidentialClient_CarriesItsSecretThatNeverExpires_AndAPublicOneNone()
    {
        var issued = new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
        var confidential = ClientMetadataJson.Write(new ClientRegistrationResponse(
            "c1", issued, "Editor", ["https://app.example.com/cb"], ["authorization_code"], "client_secret_basic", "s3cret", OAuthApplicationTypes.Web));
        var open = ClientMetadataJson.Write(new ClientRegistrationResponse(
            "c2", issued, "Cli", ["http://127.0.0.1/cb"], ["authorization_code", "refresh_token"], "none", null, OAuthApplicationTypes.Native));

        confidential["client_id"]!.GetValue<string>().ShouldBe("c1");
        confidential["client_id_issued_at"]!.GetValue<long>().ShouldBe(issued.ToUnixTimeSeconds());
        confidential["response_types"]!.AsArray().Select(n => n!.GetValue<string>()).ShouldBe(["code"]);
        confidential["client_secret"]!.GetValue<string>().ShouldBe("s3cret");
        confidential["client_secret_expires_at"]!.GetValue<int>().ShouldBe(0);
        open.ContainsKey("client_secret").ShouldBeFalse();
        open["grant_types"]!.AsArray().Select(n => n!.GetValue<string>()).ShouldBe(["authorization_code", "refresh_token"]);
        open["token_endpoint_auth_method"]!.GetValue<string>().ShouldBe("none");
        confidential["application_type"]!.GetValue<string>().ShouldBe("web");
        open["application_type"]!.GetValue<string>().ShouldBe("native");
    }
}
