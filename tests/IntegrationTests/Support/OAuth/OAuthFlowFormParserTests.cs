namespace OneMcp.IntegrationTests.Support.OAuth;

public sealed class OAuthFlowFormParserTests
{
    private static readonly string[] SubmitValues = ["approve", "deny"];

    private const string ConsentPage = """
        <!DOCTYPE html>
        <html><head><title>Authorize Claude &amp; co</title></head>
        <body>
          <!-- <form method="get" action="/old"><input type="hidden" name="decoy" value="x"></form> -->
          <form class="search" action="/search"><input name="q"></form>
          <FORM Method="POST" action="/authorize?client_id=abc&amp;state=s%201">
            <input type="hidden" name="__RequestVerificationToken" value="CfDJ8&gt;x+/="/>
            <input name='request_id' type='hidden' value='r-1>2'>
            <input type=hidden name=client_id value=abc>
            <label><input type="checkbox" name="scopes" value="tag:web" checked> web</label>
            <label><input checked="checked" type="checkbox" value="tag:db" name="scopes" /> db</label>
            <label><input type="checkbox" name="scopes" value="tag:admin"> admin</label>
            <button type="submit" name="action" value="approve">Allow</button>
            <button name="action" value="deny">Deny</button>
          </FORM>
        </body></html>
        """;

    private const string LoginPage = """
        <form method="post">
          <input type="hidden" name="ReturnUrl" value="/authorize?response_type=code&amp;client_id=abc" />
          <input type="text" name="username" autocomplete="username" required>
          <input type="password" name="password" required>
          <input name="__RequestVerificationToken" type="hidden" value="tok">
          <button type="submit">Sign in</button>
        </form>
        """;

    [Fact]
    public void Parse_ConsentPage_FindsMethodActionHiddenFieldsAndScopeCheckboxes()
    {
        var forms = HtmlForms.Parse(ConsentPage);

        forms.Count.ShouldBe(2);
        forms[0].Method.ShouldBe("get");
        var consent = forms[1];
        consent.Method.ShouldBe("post");
        consent.Action.ShouldBe("/authorize?client_id=abc&state=s%201");
        consent.HiddenFields.ShouldBe(
        new[]
        {
            KeyValuePair.Create("__RequestVerificationToken", "CfDJ8>x+/="),
            KeyValuePair.Create("request_id", "r-1>2"),
            KeyValuePair.Create("client_id", "abc"),
        });
        consent.Checkboxes("scopes").Select(c => (c.Value, c.Checked)).ShouldBe(
        new[]
        {
            ("tag:web", true),
            ("tag:db", true),
            ("tag:admin", false),
        });
        consent.Inputs.Where(i => i.Type == "submit").Select(i => i.Value).ShouldBe(SubmitValues);
        consent.HasInput("decoy").ShouldBeFalse();
    }

    [Fact]
    public void Parse_ConsentPage_ResolvesTheActionAgainstThePage()
    {
        var consent = HtmlForms.FindFormWith(ConsentPage, "scopes");

        consent.ResolveAction(new Uri("http://127.0.0.1:5000/authorize?x=1"))
            .ShouldBe(new Uri("http://127.0.0.1:5000/authorize?client_id=abc&state=s%201"));
    }

    [Fact]
    public void Parse_LoginPage_EmptyActionMeansThePageItself()
    {
        var login = HtmlForms.FindFormWith(LoginPage, "password");

        login.Method.ShouldBe("post");
        login.Action.ShouldBeEmpty();
        login.ResolveAction(new Uri("http://h/login?ReturnUrl=%2Fauthorize")).ShouldBe(new Uri("http://h/login?ReturnUrl=%2Fauthorize"));
        login.HiddenFields.ShouldBe(
        new[]
        {
            KeyValuePair.Create("ReturnUrl", "/authorize?response_type=code&client_id=abc"),
            KeyValuePair.Create("__RequestVerificationToken", "tok"),
        });
        login.Inputs.Single(i => i.Name == "password").Type.ShouldBe("password");
    }

    [Fact]
    public void FindFormWith_NoSuchInput_ThrowsWithThePage()
    {
        Should.Throw<InvalidOperationException>(() => HtmlForms.FindFormWith("<p>Oops</p>", "password"))
            .Message.ShouldContain("<p>Oops</p>");
    }

    [Fact]
    public void AuthorizationRedirect_Parse_ReadsCodeStateIssAndErrors()
    {
        var ok = AuthorizationRedirect.Parse(new Uri("http://127.0.0.1:9/cb?code=c1&state=s%20x&iss=http%3A%2F%2Fgw%2F"));
        ok.Code.ShouldBe("c1");
        ok.State.ShouldBe("s x");
        ok.Iss.ShouldBe("http://gw/");
        ok.Error.ShouldBeNull();

        var denied = AuthorizationRedirect.Parse(new Uri("http://127.0.0.1:9/cb?error=access_denied&error_description=no&state=s"));
        denied.Error.ShouldBe("access_denied");
        denied.ErrorDescription.ShouldBe("no");
        denied.Code.ShouldBeNull();
    }
}
