using FluentValidation;
using OneMcp.Application.Authorization;
using OneMcp.Application.Authorization.Commands;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Authorization;

public sealed class ClientRegistrationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    private readonly RecordingClientRegistry _clients = new();

    [Theory]
    [InlineData("https://app.example.com/callback")]
    [InlineData("http://127.0.0.1/callback")]
    [InlineData("http://[::1]:4000/callback")]
    [InlineData("http://localhost:33418/cb")]
    public void RedirectUriRules_HttpsOrLoopback_AreAccepted(string uri) => RedirectUriRules.Problem(uri).ShouldBeNull();

    [Theory]
    [InlineData("http://app.example.com/callback", "is neither https nor an http loopback URI")]
    [InlineData("https://app.example.com/cb#x", "has a fragment")]
    [InlineData("https://user:pw@app.example.com/cb", "carries user information")]
    [InlineData("relative/callback", "is not an absolute URI")]
    [InlineData("file:///callback", "is neither https nor an http loopback URI")]
    [InlineData("", "is not an absolute URI")]
    [InlineData(null, "is not an absolute URI")]
    public void RedirectUriRules_Others_AreRefusedWithTheReason(string? uri, string reason) => RedirectUriRules.Problem(uri).ShouldNotBeNull().ShouldContain(reason);

    [Fact]
    public void RedirectUriRules_ANameThatIsNotLiterallyLoopback_IsNotLoopback()
    {
        RedirectUriRules.IsLoopback(new Uri("http://localhost.example.com/")).ShouldBeFalse();
        RedirectUriRules.IsLoopback(new Uri("http://LOCALHOST:8080/")).ShouldBeTrue();
        RedirectUriRules.IsLoopback(new Uri("http://127.0.0.1:8080/")).ShouldBeTrue();
    }

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Validator_BrokenMetadata_AnswersTheFirstBrokenRuleWithItsRfc7591Error(ClientRegistrationRequest request, string error, string description)
    {
        var result = new ClientRegistrationRequestValidator().Validate(request);

        result.IsValid.ShouldBeFalse();
        result.Errors[0].ErrorCode.ShouldBe(error);
        result.Errors[0].ErrorMessage.ShouldBe(description);
    }

    public static TheoryData<ClientRegistrationRequest, string, string> Refusals() => new()
    {
        { Request() with { RedirectUris = null }, "invalid_redirect_uri", "redirect_uris is required: a list of https or loopback URIs." },
        { Request(redirectUris: []), "invalid_redirect_uri", "redirect_uris is required: a list of https or loopback URIs." },
        { Request(redirectUris: [.. Enumerable.Range(0, 11).Select(i => $"https://app.example.com/{i}")]), "invalid_redirect_uri", "At most 10 redirect URIs may be registered." },
        {
            Request(redirectUris: ["https://ok.example.com/", "http://evil.example.com/", null], grantTypes: ["password"]),
            "invalid_redirect_uri", "'http://evil.example.com/' is neither https nor an http loopback URI (127.0.0.1, [::1] or localhost)."
        },
        { Request(redirectUris: [null]), "invalid_redirect_uri", "'' is not an absolute URI." },
        { Request(malformed: ["grant_types"]), "invalid_client_metadata", "grant_types must be a list of strings." },
        { Request(grantTypes: ["authorization_code", "{PropertyName}"]), "invalid_client_metadata", "The grant type '{PropertyName}' is not supported; use authorization_code and refresh_token." },
        { Request(grantTypes: ["refresh_token"]), "invalid_client_metadata", "grant_types must include authorization_code." },
        { Request(responseTypes: ["token"]), "invalid_client_metadata", "Only the response type 'code' is supported." },
        { Request(malformed: ["response_types"]), "invalid_client_metadata", "Only the response type 'code' is supported." },
        { Request(authMethod: "private_key_jwt"), "invalid_client_metadata", "token_endpoint_auth_method must be one of: none, client_secret_basic, client_secret_post." },
        { Request(malformed: ["token_endpoint_auth_method"]), "invalid_client_metadata", "token_endpoint_auth_method must be one of: none, client_secret_basic, client_secret_post." },
        { Request(clientName: new string('a', 201)), "invalid_client_metadata", "client_name must be text of at most 200 characters." },
        { Request(clientName: "line\nbreak"), "invalid_client_metadata", "client_name must be text of at most 200 characters." },
        { Request(malformed: ["client_name"]), "invalid_client_metadata", "client_name must be text of at most 200 characters." },
        { Request() with { ApplicationType = "browser" }, "invalid_client_metadata", "application_type must be web or native." },
        { Request(malformed: ["application_type"]), "invalid_client_metadata", "application_type must be web or native." },
    };

    [Theory]
    [InlineData(null, "web")]
    [InlineData("web", "web")]
    [InlineData("native", "native")]
    public async Task Handle_ApplicationType_IsStoredAndAnsweredWebUnlessNative(string? sent, string recorded)
    {
        var request = Request() with { ApplicationType = sent };
        new ClientRegistrationRequestValidator().Validate(request).IsValid.ShouldBeTrue();

        var response = await Handler().Handle(request, CancellationToken.None);

        _clients.Registered.ShouldHaveSingleItem().ApplicationType.ShouldBe(recorded);
        response.ApplicationType.ShouldBe(recorded);
    }

    [Fact]
    public void Validator_ACompleteRequest_IsValid() =>
        new ClientRegistrationRequestValidator().Validate(Request(
            grantTypes: ["authorization_code", "refresh_token"], responseTypes: ["code"], authMethod: "none", clientName: "Claude Code")).IsValid.ShouldBeTrue();

    [Fact]
    public async Task Handle_APublicClient_IsRegisteredWithoutSecretAndWithRefreshWhenAsked()
    {
        var response = await Handler().Handle(
            Request(redirectUris: ["http://127.0.0.1/cb", "http://127.0.0.1/cb"], grantTypes: ["authorization_code", "refresh_token"], authMethod: "none", clientName: "  Claude Code "),
            CancellationToken.None);

        var registered = _clients.Registered.ShouldHaveSingleItem();
        registered.IsPublic.ShouldBeTrue();
        registered.MayRefresh.ShouldBeTrue();
        registered.DisplayName.ShouldBe("Claude Code");
        registered.RedirectUris.ShouldBe([new Uri("http://127.0.0.1/cb")]);
        response.ClientId.ShouldBe(registered.ClientId);
        response.ClientId.Length.ShouldBe(22);
        response.ClientSecret.ShouldBeNull();
        response.IssuedAt.ShouldBe(T0);
        response.RedirectUris.ShouldBe(["http://127.0.0.1/cb"]);
        response.GrantTypes.ShouldBe(["authorization_code", "refresh_token"]);
        response.TokenEndpointAuthMethod.ShouldBe("none");
    }

    [Fact]
    public async Task Handle_NoAuthMethodNorGrantsNorName_IsAConfidentialUnnamedCodeOnlyClient()
    {
        var response = await Handler().Handle(Request(), CancellationToken.None);

        var registered = _clients.Registered.ShouldHaveSingleItem();
        registered.IsPublic.ShouldBeFalse();
        registered.MayRefresh.ShouldBeFalse();
        registered.ClientSecret.ShouldNotBeNull().Length.ShouldBe(43);
        response.ClientSecret.ShouldBe(registered.ClientSecret);
        response.ClientName.ShouldBe("Unnamed application");
        response.GrantTypes.ShouldBe(["authorization_code"]);
        response.TokenEndpointAuthMethod.ShouldBe("client_secret_basic");
        response.ToString().ShouldNotContain(registered.ClientSecret!);
    }

    [Fact]
    public void Validator_IsFoundByTheApplicationsAssemblyScan() =>
        typeof(ClientRegistrationRequestValidator).GetInterfaces().ShouldContain(typeof(IValidator<ClientRegistrationRequest>));

    private ClientRegistrationHandler Handler() => new(_clients, new FixedTimeProvider(T0));

    // A valid request (one https redirect URI), changed by what is named.
    private static ClientRegistrationRequest Request(
        IReadOnlyList<string?>? redirectUris = null, IReadOnlyList<string>? grantTypes = null, IReadOnlyList<string>? responseTypes = null,
        string? authMethod = null, string? clientName = null, string[]? malformed = null) =>
        new(redirectUris ?? ["https://app.example.com/callback"], grantTypes, responseTypes, authMethod, clientName,
            new HashSet<string>(malformed ?? [], StringComparer.Ordinal));
}

/// <summary>An <see cref="IOAuthClientRegistry"/> that keeps what it was given, in memory.</summary>
internal sealed class RecordingClientRegistry : IOAuthClientRegistry
{
    public List<OAuthClientRegistration> Registered { get; } = [];

    public Task<OAuthClient?> FindAsync(string clientId, CancellationToken cancellationToken) =>
        Task.FromResult(Registered.FirstOrDefault(r => r.ClientId == clientId) is { } r ? new OAuthClient(r.ClientId, r.DisplayName, r.MayRefresh) : null);

    public Task RegisterAsync(OAuthClientRegistration registration, CancellationToken cancellationToken)
    {
        Registered.Add(registration);
        return Task.CompletedTask;
    }
}
