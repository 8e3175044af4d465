namespace OneMcp.IntegrationTests.Support.OAuth;

public sealed class PkceTests
{
    // RFC 7636, appendix B: 32 random octets, the verifier they make, and its S256 challenge.
    private static readonly byte[] Rfc7636Octets =
    [
        116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186,
        22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    ];

    private const string Rfc7636Verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    [Fact]
    public void ComputeChallenge_Rfc7636AppendixB_MatchesTheSpec()
    {
        Pkce.ComputeChallenge(Rfc7636Verifier).ShouldBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    [Fact]
    public void Base64Url_Rfc7636AppendixBOctets_MakeTheSpecVerifier()
    {
        Pkce.Base64Url(Rfc7636Octets).ShouldBe(Rfc7636Verifier);
    }

    [Fact]
    public void Create_MakesA43CharacterBase64UrlVerifierWithItsS256Challenge()
    {
        var pkce = Pkce.Create();

        pkce.Verifier.Length.ShouldBe(43);
        pkce.Verifier.ShouldMatch("^[A-Za-z0-9_-]{43}$");
        pkce.Challenge.ShouldBe(Pkce.ComputeChallenge(pkce.Verifier));
        pkce.Challenge.ShouldMatch("^[A-Za-z0-9_-]{43}$");
        Pkce.Method.ShouldBe("S256");
    }

    [Fact]
    public void Create_IsRandom()
    {
        Pkce.Create().Verifier.ShouldNotBe(Pkce.Create().Verifier);
    }

    [Theory]
    [InlineData(42)]
    [InlineData(129)]
    public void ComputeChallenge_VerifierOutside43To128Characters_Throws(int length)
    {
        Should.Throw<ArgumentException>(() => Pkce.ComputeChallenge(new string('a', length)));
    }
}
