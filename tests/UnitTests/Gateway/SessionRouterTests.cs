using System.Text.Json;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Domain.Backends;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Gateway;

public sealed class SessionRouterTests
{
    private const string Tools = NotificationMethods.ToolListChangedNotification;
    private const string Resources = NotificationMethods.ResourceListChangedNotification;
    private const string Prompts = NotificationMethods.PromptListChangedNotification;

    [Theory]
    [InlineData(CapabilityKinds.Tools, new[] { Tools })]
    [InlineData(CapabilityKinds.Resources, new[] { Resources })]
    [InlineData(CapabilityKinds.Prompts, new[] { Prompts })]
    [InlineData(CapabilityKinds.Tools | CapabilityKinds.Prompts, new[] { Tools, Prompts })]
    [InlineData(CapabilityKinds.All, new[] { Tools, Resources, Prompts })]
    [InlineData(CapabilityKinds.None, new string[0])]
    public void BackendChanged_WhenKindsGiven_SendsTheMatchingListChangedNotifications(CapabilityKinds kinds, string[] expected)
    {
        var web = Backend.Named("web").Tagged("web").Connected(Caps.New());
        using var fixture = new EngineFixture(web);
        var session = fixture.Session();

        fixture.Router.BackendChanged(web, kinds);

        EngineFixture.PeerOf(session).Methods.ShouldBe(expected);
        EngineFixture.PeerOf(session).Notifications.ShouldAllBe(n => n.ParamsJson == null);
    }

    [Fact]
    public void BackendChanged_WhenSessionsFiltered_NotifiesOnlySessionsThatAdmitTheBackend()
    {
        var web = Backend.Named("web").Tagged("web").Connected(Caps.New());
        using var fixture = new EngineFixture(web);
        var unfiltered = fixture.Session();
        var webOnly = fixture.Session(tags: "web");
        var dbOnly = fixture.Session(tags: "db");
        var notWeb = fixture.Session(tagFilter: "not web");

        fixture.Router.BackendChanged(web, CapabilityKinds.Tools);

        EngineFixture.PeerOf(unfiltered).Methods.ShouldBe([Tools]);
        EngineFixture.PeerOf(webOnly).Methods.ShouldBe([Tools]);
        EngineFixture.PeerOf(dbOnly).Methods.ShouldBeEmpty();
        EngineFixture.PeerOf(notWeb).Methods.ShouldBeEmpty();
    }

    [Fact]
    public void BackendChanged_WhenTagsChanged_NotifiesSessionsAdmittingTheOldOrTheNewTags()
    {
        var backend = Backend.Named("svc").Tagged("db").Connected(Caps.New());
        using var fixture = new EngineFixture(backend);
        var sawItBefore = fixture.Session(tags: "web");
        var seesItNow = fixture.Session(tags: "db");
        var neither = fixture.Session(tags: "ops");

        fixture.Router.BackendChanged(backend, CapabilityKinds.All, previousTags: [Tag.From("web")]);

        EngineFixture.PeerOf(sawItBefore).Methods.ShouldBe([Tools, Resources, Prompts]);
        EngineFixture.PeerOf(seesItNow).Methods.ShouldBe([Tools, Resources, Prompts]);
        EngineFixture.PeerOf(neither).Methods.ShouldBeEmpty();
    }

    [Fact]
    public void BackendChanged_WhenBackendWentDown_StillTellsTheSessionsThatSawIt()
    {
        var web = Backend.Named("web").Tagged("web").In(BackendStatus.Error, Caps.New());
        using var fixture = new EngineFixture(web);
        var session = fixture.Session(tags: "web");

        fixture.Router.BackendChanged(web, CapabilityKinds.All);

        EngineFixture.PeerOf(session).Methods.ShouldBe([Tools, Resources, Prompts]);
    }

    [Fact]
    public void BackendChanged_WhenSessionNotAttachedYet_SkipsItAndTellsTheOthers()
    {
        var web = Backend.Named("web").Connected(Caps.New());
        using var fixture = new EngineFixture(web);
        fixture.Registry.Add(new GatewaySession("pending", SessionFilter.None));
        var attached = fixture.Session();

        fixture.Router.BackendChanged(web, CapabilityKinds.Tools);

        EngineFixture.PeerOf(attached).Methods.ShouldBe([Tools]);
    }

    [Fact]
    public void BackendChanged_WhenOnePeerFails_StillNotifiesTheOthers()
    {
        var web = Backend.Named("web").Connected(Caps.New());
        using var fixture = new EngineFixture(web);
        var broken = fixture.Session(peer: new RecordingPeer("broken") { NotificationFailure = new IOException("gone") });
        var healthy = fixture.Session();

        Should.NotThrow(() => fixture.Router.BackendChanged(web, CapabilityKinds.Tools));

        EngineFixture.PeerOf(broken).Methods.ShouldBe([Tools]);
        EngineFixture.PeerOf(healthy).Methods.ShouldBe([Tools]);
    }

    [Fact]
    public void ResourceUpdated_WhenSessionsSubscribed_NotifiesOnlySubscribersWithThePrefixedUri()
    {
        var docs = Backend.Named("docs").Tagged("docs").Connected(Caps.New());
        using var fixture = new EngineFixture(docs);
        var subscriber = fixture.Session();
        var other = fixture.Session();
        var otherUri = fixture.Session();
        subscriber.AddSubscription("docs_1mcp_file:///a.md");
        otherUri.AddSubscription("docs_1mcp_file:///b.md");

        fixture.Router.ResourceUpdated(docs, "file:///a.md");

        var notification = EngineFixture.PeerOf(subscriber).Notifications.ShouldHaveSingleItem();
        notification.Method.ShouldBe(NotificationMethods.ResourceUpdatedNotification);
        notification.Params!["uri"]!.GetValue<string>().ShouldBe("docs_1mcp_file:///a.md");
        EngineFixture.PeerOf(other).Notifications.ShouldBeEmpty();
        EngineFixture.PeerOf(otherUri).Notifications.ShouldBeEmpty();
    }

    [Fact]
    public void ResourceUpdated_WhenTheBackendNamesNoUri_SendsNothingAndDoesNotThrow()
    {
        // Before: prefixing the empty URI threw into the backend connection's notification handler.
        var docs = Backend.Named("docs").Tagged("docs").Connected(Caps.New());
        using var fixture = new EngineFixture(docs);
        var subscriber = fixture.Session();
        subscriber.AddSubscription("docs_1mcp_file:///a.md");

        Should.NotThrow(() => fixture.Router.ResourceUpdated(docs, string.Empty));

        EngineFixture.PeerOf(subscriber).Notifications.ShouldBeEmpty();
    }

    [Fact]
    public void ResourceUpdated_WhenSubscriberCannotSeeTheBackend_SendsNothing()
    {
        var docs = Backend.Named("docs").Tagged("docs").Connected(Caps.New());
        using var fixture = new EngineFixture(docs);
        var filtered = fixture.Session(tags: "web");
        var allowed = fixture.Session(tags: "docs");
        filtered.AddSubscription("docs_1mcp_file:///a.md");
        allowed.AddSubscription("docs_1mcp_file:///a.md");

        fixture.Router.ResourceUpdated(docs, "file:///a.md");

        EngineFixture.PeerOf(filtered).Notifications.ShouldBeEmpty();
        EngineFixture.PeerOf(allowed).Notifications.Count.ShouldBe(1);
    }

    [Fact]
    public void ResourceUpdated_WhenBackendNotConnected_SendsNothing()
    {
        var docs = Backend.Named("docs").In(BackendStatus.Restarting, Caps.New());
        using var fixture = new EngineFixture(docs);
        var subscriber = fixture.Session();
        subscriber.AddSubscription("docs_1mcp_file:///a.md");

        fixture.Router.ResourceUpdated(docs, "file:///a.md");

        EngineFixture.PeerOf(subscriber).Notifications.ShouldBeEmpty();
    }

    [Fact]
    public async Task ResourceUpdated_WhenSubscribedThroughTheEngine_ReachesTheSubscriber()
    {
        var docs = Backend.Named("docs").Connected(Caps.New().Resources("file:///a.md").WithSubscribe());
        using var fixture = new EngineFixture(docs);
        var subscriber = fixture.Session();
        await fixture.Engine.SubscribeAsync(subscriber, "docs_1mcp_file:///a.md", CancellationToken.None);

        fixture.Router.ResourceUpdated(docs, "file:///a.md");

        EngineFixture.PeerOf(subscriber).Methods.ShouldBe([NotificationMethods.ResourceUpdatedNotification]);
    }

    [Theory]
    [InlineData(null, LoggingLevel.Emergency, false)]
    [InlineData(LoggingLevel.Debug, LoggingLevel.Debug, true)]
    [InlineData(LoggingLevel.Debug, LoggingLevel.Warning, true)]
    [InlineData(LoggingLevel.Warning, LoggingLevel.Warning, true)]
    [InlineData(LoggingLevel.Warning, LoggingLevel.Error, true)]
    [InlineData(LoggingLevel.Warning, LoggingLevel.Info, false)]
    [InlineData(LoggingLevel.Error, LoggingLevel.Notice, false)]
    [InlineData(LoggingLevel.Emergency, LoggingLevel.Alert, false)]
    public void LogMessage_WhenSessionHasALevel_ForwardsOnlyMessagesAtOrAboveIt(LoggingLevel? sessionLevel, LoggingLevel messageLevel, bool forwarded)
    {
        var db = Backend.Named("db").Connected(Caps.New());
        using var fixture = new EngineFixture(db);
        var session = fixture.Session();
        session.LogLevel = sessionLevel;

        fixture.Router.LogMessage(db, new LoggingMessageNotificationParams { Level = messageLevel, Data = JsonSerializer.SerializeToElement("hello") });

        EngineFixture.PeerOf(session).Notifications.Count.ShouldBe(forwarded ? 1 : 0);
    }

    [Theory]
    [InlineData("pool", "db/pool")]
    [InlineData(null, "db")]
    public void LogMessage_WhenForwarded_AttributesTheLoggerToTheServerAndKeepsLevelAndData(string? logger, string expectedLogger)
    {
        var db = Backend.Named("db").Connected(Caps.New());
        using var fixture = new EngineFixture(db);
        var session = fixture.Session();
        session.LogLevel = LoggingLevel.Info;

        fixture.Router.LogMessage(db, new LoggingMessageNotificationParams
        {
            Level = LoggingLevel.Error,
            Logger = logger,
            Data = JsonSerializer.SerializeToElement(new { text = "disk full" }),
        });

        var notification = EngineFixture.PeerOf(session).Notifications.ShouldHaveSingleItem();
        notification.Method.ShouldBe(NotificationMethods.LoggingMessageNotification);
        notification.Params!["logger"]!.GetValue<string>().ShouldBe(expectedLogger);
        notification.Params["level"]!.GetValue<string>().ShouldBe("error");
        notification.Params["data"]!["text"]!.GetValue<string>().ShouldBe("disk full");
    }

    [Fact]
    public void LogMessage_WhenSessionsHaveDifferentLevelsAndFilters_EachGetsOnlyWhatItAskedFor()
    {
        var db = Backend.Named("db").Tagged("db").Connected(Caps.New());
        using var fixture = new EngineFixture(db);
        var verbose = fixture.Session();
        verbose.LogLevel = LoggingLevel.Debug;
        var quiet = fixture.Session();
        quiet.LogLevel = LoggingLevel.Critical;
        var filtered = fixture.Session(tags: "web");
        filtered.LogLevel = LoggingLevel.Debug;
        var silent = fixture.Session();

        fixture.Router.LogMessage(db, new LoggingMessageNotificationParams { Level = LoggingLevel.Warning, Data = JsonSerializer.SerializeToElement("w") });

        EngineFixture.PeerOf(verbose).Methods.ShouldBe([NotificationMethods.LoggingMessageNotification]);
        EngineFixture.PeerOf(quiet).Methods.ShouldBeEmpty();
        EngineFixture.PeerOf(filtered).Methods.ShouldBeEmpty();
        EngineFixture.PeerOf(silent).Methods.ShouldBeEmpty();
    }
}
