using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;
using static OneMcp.IntegrationTests.Audit.AuditScenarioFixture;

namespace OneMcp.IntegrationTests.Audit;

/// <summary><c>GET /api/audit</c> and <c>/api/audit/summary</c> over the events of <see cref="AuditScenarioFixture"/>.</summary>
public sealed class AuditApiTests(AuditScenarioFixture scenario) : IClassFixture<AuditScenarioFixture>
{
    private static List<JsonObject> Items(JsonObject page) => [.. page["items"]!.AsArray().Select(i => i!.AsObject())];

    private static string? Text(JsonObject item, string field) => item[field]?.GetValue<string>();

    [Fact]
    public async Task ListAudit_AsAdmin_HoldsEveryKindOfEvent_WithUserClientBackendOutcomeAndDuration()
    {
        var items = Items(await ListAsync(scenario.AdminHttp, "?limit=1000"));

        bool Has(string kind, string? user, string? backend = null, string? name = null, string outcome = "success", string? client = null) =>
            items.Any(i => Text(i, "kind") == kind && Text(i, "user") == user && Text(i, "outcome") == outcome
                && (backend is null || Text(i, "backend") == backend) && (name is null || Text(i, "name") == name)
                && (client is null || Text(i, "clientId") == client));

        Has("tools/call", Bob, "alpha", "echo", client: scenario.BobClientId).ShouldBeTrue();
        Has("resources/read", Bob, "beta", "test://static/info").ShouldBeTrue();
        Has("prompts/get", Bob, "alpha", "greeting").ShouldBeTrue();
        Has("tools/call", Bob, "alpha", "throw", outcome: "failure").ShouldBeTrue();
        Has("tools/call", Cy, "beta", "echo", client: scenario.CyClientId).ShouldBeTrue();
        Has("sign-in", Bob, outcome: "failure").ShouldBeTrue();
        Has("sign-in", Bob).ShouldBeTrue();
        Has("sign-in", Cy).ShouldBeTrue();
        Has("consent", Bob).ShouldBeTrue();
        Has("denial", Bob, name: "DecideClientConsent").ShouldBeTrue();
        Has("approval", Admin, name: "DecideAuthorizationRequest").ShouldBeTrue();
        Has("denial", Admin, name: "DecideAuthorizationRequest").ShouldBeTrue();
        Has("revocation", Cy, client: scenario.CyClientId).ShouldBeTrue();
        Has("change", Admin, name: "CreatePreset").ShouldBeTrue();
        Has("change", Admin, name: "CreatePreset", outcome: "failure").ShouldBeTrue();

        var failed = items.Single(i => Text(i, "name") == "throw");
        Text(failed, "errorCode").ShouldNotBeNullOrEmpty();
        items.Single(i => Text(i, "kind") == "sign-in" && Text(i, "outcome") == "failure")["errorCode"]!.GetValue<string>().ShouldBe("invalid_credentials");
        items.ShouldAllBe(i => i["durationMs"]!.GetValue<long>() >= 0 && i["time"] != null && i["id"] != null);
        Text(items.First(i => Text(i, "kind") == "tools/call" && Text(i, "user") == Bob), "subject").ShouldBe(await scenario.SubjectOfAsync(Bob));
    }

    [Fact]
    public async Task ListAudit_ChangesAndDecisions_NameWhatTheyWereMadeTo_CallsAndSignInsHaveNoTarget()
    {
        var items = Items(await ListAsync(scenario.AdminHttp, "?limit=1000"));

        JsonObject Row(string kind, string name, string outcome = "success", string user = Admin) =>
            items.Single(i => Text(i, "kind") == kind && Text(i, "name") == name && Text(i, "outcome") == outcome && Text(i, "user") == user);

        Text(Row("change", "CreatePreset"), "target").ShouldBe("web-only");
        Text(Row("change", "CreatePreset", outcome: "failure"), "target").ShouldBe("broken");
        Text(Row("change", "AddUser"), "target").ShouldBe(Dee);
        Text(Row("change", "UpdateUser"), "target").ShouldBe(Dee, "the user changed, not the administrator who changed them");
        Text(Row("approval", "DecideAuthorizationRequest"), "target").ShouldBe(scenario.DecidedRequests[0].ToString("D"));
        Text(Row("denial", "DecideAuthorizationRequest"), "target").ShouldBe(scenario.DecidedRequests[1].ToString("D"));
        Text(Row("denial", "DecideClientConsent", user: Bob), "target").ShouldBe(scenario.DeniedClientId);
        items.Where(i => Text(i, "kind") is "tools/call" or "resources/read" or "prompts/get" or "sign-in")
            .ShouldAllBe(i => i.ContainsKey("target") && i["target"] == null);
        items.ShouldAllBe(i => !i.ToJsonString().Contains(DeePassword));
    }

    [Theory]
    [InlineData("?user=cy", "user", "cy")]
    [InlineData("?backend=beta", "backend", "beta")]
    [InlineData("?outcome=failure", "outcome", "failure")]
    [InlineData("?kind=tools/call", "kind", "tools/call")]
    public async Task ListAudit_WhenFiltered_ReturnsOnlyMatchingRows(string query, string field, string value)
    {
        var items = Items(await ListAsync(scenario.AdminHttp, query + "&limit=1000"));

        items.ShouldNotBeEmpty();
        items.ShouldAllBe(i => Text(i, field) == value);
    }

    [Fact]
    public async Task ListAudit_AsMember_ShowsOnlyTheirOwnRows()
    {
        using var bob = await DashboardClient.SignInAsync(scenario.Gateway.BaseUrl, Bob, BobPassword);
        var bobSubject = await scenario.SubjectOfAsync(Bob);

        var own = Items(await ListAsync(bob, "?limit=1000"));
        var others = Items(await ListAsync(bob, "?user=cy&limit=1000"));

        own.ShouldNotBeEmpty();
        own.ShouldAllBe(i => Text(i, "subject") == bobSubject);
        own.ShouldContain(i => Text(i, "kind") == "tools/call");
        others.ShouldBeEmpty();
    }

    [Fact]
    public async Task ListAudit_WhenPagedWithTheCursor_VisitsEveryRowOnceNewestFirst()
    {
        var all = Items(await ListAsync(scenario.AdminHttp, "?limit=1000&until=2100-01-01T00:00:00Z"));
        var seen = new List<long>();
        string? cursor = null;
        do
        {
            var page = await ListAsync(scenario.AdminHttp, "?limit=3&until=2100-01-01T00:00:00Z" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            Items(page).Count.ShouldBeLessThanOrEqualTo(3);
            seen.AddRange(Items(page).Select(i => i["id"]!.GetValue<long>()));
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);

        seen.ShouldBe([.. seen.Distinct()]);
        seen.ShouldBe([.. seen.OrderDescending()]);
        all.Select(i => i["id"]!.GetValue<long>()).ShouldBeSubsetOf(seen);
    }

    [Theory]
    [InlineData("?cursor=not-a-cursor", "cursor")]
    [InlineData("?since=yesterday", "since")]
    [InlineData("?until=2026-12-03T10:00:00", "until")]
    [InlineData("?since=2026-12-03T10:00:00Z&until=2026-12-02T10:00:00Z", "since")]
    [InlineData("?since=2026-12-03", "since")]
    [InlineData("?until=2026-12-03Z", "until")]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=1001", "limit")]
    [InlineData("?limit=ten", "limit")]
    [InlineData("?kind=everything", "kind")]
    [InlineData("?outcome=maybe", "outcome")]
    [InlineData("?format=xml", "format")]
    public async Task ListAudit_WhenAParameterIsBad_Answers400NamingIt(string query, string parameter)
    {
        using var response = await scenario.AdminHttp.GetAsync("/api/audit" + query);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        problem["errors"]!.AsObject().ContainsKey(parameter).ShouldBeTrue(problem.ToJsonString());
    }

    [Fact]
    public async Task ListAudit_WithEveryFilterEmpty_AnswersAsWithoutThem()
    {
        // What a form with its fields left empty sends.
        var all = (await scenario.AdminHttp.GetFromJsonAsync<JsonObject>("/api/audit"))!;

        var empty = (await scenario.AdminHttp.GetFromJsonAsync<JsonObject>("/api/audit?user=&backend=&kind=&outcome=&since=&until=&limit=&cursor=&format="))!;

        empty["items"]!.AsArray().Count.ShouldBe(all["items"]!.AsArray().Count);
        empty["items"]!.AsArray().Count.ShouldBeGreaterThan(0);
    }

    [Theory]
    [InlineData("?format=csv&since=yesterday")]
    [InlineData("?since=yesterday")]
    public async Task ListAudit_WhenCsvIsAskedForWithABadParameter_Answers400ProblemDetailsNamingIt(string query)
    {
        // Before: the ProblemDetails writer declined a client that accepts only CSV, and the 400 came without a body.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/audit" + query);
        request.Headers.Accept.ParseAdd("text/csv");

        using var response = await scenario.AdminHttp.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        problem["errors"]!.AsObject().ContainsKey("since").ShouldBeTrue(problem.ToJsonString());
    }

    [Theory]
    [InlineData("?format=csv", null)]
    [InlineData("", "text/csv")]
    public async Task ListAudit_WhenCsvIsAskedFor_ExportsRowsAsCsv(string query, string? accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/audit" + query);
        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }

        using var response = await scenario.AdminHttp.SendAsync(request);
        var csv = await response.Content.ReadAsStringAsync();

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("id,time,kind,outcome,user,subject,clientId,backend,name,durationMs,errorCode,credentials,target");
        lines.ShouldContain(l => l.Contains("\"tools/call\"", StringComparison.Ordinal) && l.Contains("\"bob\"", StringComparison.Ordinal));
        lines.ShouldContain(l => l.Contains("\"CreatePreset\"", StringComparison.Ordinal) && l.EndsWith(",\"web-only\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AuditSummary_ForTheLastHour_CountsCallsAndErrorsPerBackend()
    {
        var summary = (await scenario.AdminHttp.GetFromJsonAsync<JsonObject>("/api/audit/summary"))!;

        var backends = summary["backends"]!.AsArray().Select(b => b!.AsObject()).ToDictionary(b => b["backend"]!.GetValue<string>());
        var alpha = backends["alpha"];
        alpha["calls"]!.GetValue<int>().ShouldBe(3);
        alpha["errors"]!.GetValue<int>().ShouldBe(1);
        alpha["p95Ms"]!.GetValue<long>().ShouldBeGreaterThanOrEqualTo(0);
        alpha["buckets"]!.AsArray().Count.ShouldBe(12);
        alpha["buckets"]!.AsArray().Sum(b => b!["calls"]!.GetValue<int>()).ShouldBe(3);
        backends["beta"]["calls"]!.GetValue<int>().ShouldBe(2);
        summary["bucketMinutes"]!.GetValue<int>().ShouldBe(5);
    }

    [Fact]
    public async Task AuditSummary_AsMember_CountsOnlyTheirOwnCalls()
    {
        using var bob = await DashboardClient.SignInAsync(scenario.Gateway.BaseUrl, Bob, BobPassword);

        var summary = (await bob.GetFromJsonAsync<JsonObject>("/api/audit/summary"))!;

        var calls = summary["backends"]!.AsArray().ToDictionary(b => b!["backend"]!.GetValue<string>(), b => b!["calls"]!.GetValue<int>());
        calls.ShouldBe(new Dictionary<string, int> { ["alpha"] = 3, ["beta"] = 1 });
    }

    [Fact]
    public async Task ListAudit_AfterARefusedRevocationWithAnOverlongClientId_HoldsTheClientIdClipped()
    {
        // Anyone can call /revoke: the client_id it sends is recorded on the refusal, and must not be a payload.
        var clientId = "overlong-" + new string('x', 100_000);
        var refused = await new OAuthFlowDriver(scenario.Gateway.BaseUrl).RevokeAsync(clientId, "not-a-token");
        refused.Error.ShouldNotBeNull();

        var page = await Eventually.ValueAsync(
            () => ListAsync(scenario.AdminHttp, "?kind=revocation&outcome=failure&limit=1000"),
            p => Items(p).Any(i => Text(i, "clientId")?.StartsWith("overlong-", StringComparison.Ordinal) == true),
            "the refused revocation in the audit log");

        var row = Items(page).Single(i => Text(i, "clientId")?.StartsWith("overlong-", StringComparison.Ordinal) == true);
        Text(row, "clientId")!.Length.ShouldBe(200);
    }
}
