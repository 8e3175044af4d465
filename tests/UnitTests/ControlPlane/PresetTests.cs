using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Authorization;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Application.Gateway;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Application.Presets.Commands;
using OneMcp.Application.Presets.Queries;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.ControlPlane;

public sealed class PresetTests : IDisposable
{
    private static readonly IReadOnlyCollection<Tag> Web = [Tag.From("web")];
    private static readonly IReadOnlyCollection<Tag> Db = [Tag.From("db")];

    private readonly InMemoryPresetRepository _presets = new();
    private readonly SessionRegistry _sessions = new();
    private readonly InFlightRequests _inFlight = new();
    private readonly ResourceSubscriptions _subscriptions = new();
    private readonly FixedTimeProvider _time = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
    private readonly FakePool _pool = new(
        Backend.Named("web-db").Tagged("web", "db").Connected(Caps.New()),
        Backend.Named("web").Tagged("web").Connected(Caps.New()),
        Backend.Named("api").Tagged("api").Connected(Caps.New()));

    private readonly SessionRouter _notifier;

    public PresetTests() => _notifier = new SessionRouter(_sessions, _inFlight, _subscriptions, new OneMcp.Application.Gateway.Listening.ListenerRegistry(), NullLogger<SessionRouter>.Instance);

    [Theory]
    [InlineData("web and", "expression")]
    [InlineData("", "expression")]
    [InlineData("web (", "expression")]
    public async Task Validate_WhenTheExpressionIsInvalid_ReportsItWithThePosition(string expression, string field)
    {
        var result = await new CreatePresetValidator().ValidateAsync(new CreatePresetCommand { Name = "p", Expression = expression });

        var error = result.Errors.ShouldHaveSingleItem();
        error.PropertyName.ShouldBe(field);
        if (expression.Length > 0)
        {
            error.ErrorMessage.ShouldContain("position");
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("../x")]
    public async Task Validate_WhenTheNameIsInvalid_ReportsTheName(string name)
    {
        var result = await new CreatePresetValidator().ValidateAsync(new CreatePresetCommand { Name = name, Expression = "web" });

        result.Errors.ShouldHaveSingleItem().PropertyName.ShouldBe("name");
    }

    [Fact]
    public async Task Create_WhenTheNameIsTaken_RefusesAndWritesNothing()
    {
        await Create("team", "web");

        await Should.ThrowAsync<DuplicateNameException>(() => Create("team", "db"));

        _presets.Writes.ShouldBe(1);
        (await new GetPresetHandler(_presets, _pool).Handle(new GetPresetQuery("team"), CancellationToken.None)).Expression.ShouldBe("web");
    }

    [Fact]
    public async Task Update_WhenTheVersionIsStale_RefusesAndKeepsTheExpression()
    {
        await Create("team", "web");

        await Should.ThrowAsync<ConcurrencyConflictException>(() => Update("team", "db", expectedVersion: 3));

        (await new ListPresetsHandler(_presets, _pool).Handle(new ListPresetsQuery(), CancellationToken.None)).ShouldHaveSingleItem().Expression.ShouldBe("web");
    }

    [Fact]
    public async Task Update_WhenTheVersionIsStale_TheErrorNamesThePresetNotItsId()
    {
        await Create("team", "web");

        var conflict = await Should.ThrowAsync<ConcurrencyConflictException>(() => Update("team", "db", expectedVersion: 3));

        conflict.Message.ShouldBe("The preset 'team' was changed by someone else; reload it and try again.");
    }

    [Fact]
    public async Task Update_WhenSessionsUseThePreset_TheyFollowItAndGetListChanged()
    {
        await Create("team", "web");
        var (session, peer) = Open("team", "web");
        var (other, otherPeer) = Open("other", "web");

        var view = await Update("team", "db or api", expectedVersion: 1);

        view.Version.ShouldBe(2);
        view.Filter.ShouldBe("db or api");
        session.Allows(new StdioBackendSettings { Name = ServerName.From("x"), Command = "node", Tags = [.. Db] }).ShouldBeTrue();
        session.Filter.Allows(Web).ShouldBeFalse();
        peer.Methods.ShouldContain(NotificationMethods.ToolListChangedNotification);
        peer.Methods.ShouldContain(NotificationMethods.PromptListChangedNotification);
        other.Filter.Allows(Web).ShouldBeTrue();
        otherPeer.Methods.ShouldBeEmpty();
    }

    [Fact]
    public async Task Update_WhenOnlyTheDescriptionChanges_DoesNotNotify()
    {
        await Create("team", "web");
        var (_, peer) = Open("team", "web");

        await new UpdatePresetHandler(_presets, _notifier, _pool, _time)
            .Handle(new UpdatePresetCommand("team", new PresetEdit { Expression = "WEB", Description = "new words", ExpectedVersion = 1 }), CancellationToken.None);

        peer.Methods.ShouldBeEmpty();
    }

    [Fact]
    public async Task Delete_WhenSessionsUseThePreset_TheySeeNothingAndGetListChanged()
    {
        await Create("team", "web");
        var (session, peer) = Open("team", "web");

        await new DeletePresetHandler(_presets, _notifier).Handle(new DeletePresetCommand("team"), CancellationToken.None);

        session.Filter.Allows(Web).ShouldBeFalse();
        session.Filter.Allows([]).ShouldBeFalse();
        peer.Methods.ShouldContain(NotificationMethods.ToolListChangedNotification);
        await Should.ThrowAsync<NotFoundException>(() => new GetPresetHandler(_presets, _pool).Handle(new GetPresetQuery("team"), CancellationToken.None));
    }

    [Fact]
    public async Task Views_NameTheBackendsThePresetSelectsNow_Sorted()
    {
        var created = await Create("team", "web and not db or api");

        created.Backends.ShouldBe(["api", "web"]);
        (await new GetPresetHandler(_presets, _pool).Handle(new GetPresetQuery("team"), CancellationToken.None)).Backends.ShouldBe(["api", "web"]);
        var updated = await Update("team", "db", expectedVersion: 1);
        updated.Backends.ShouldBe(["web-db"]);

        _pool.Add(Backend.Named("db").Tagged("db").Connected(Caps.New()));
        (await new ListPresetsHandler(_presets, _pool).Handle(new ListPresetsQuery(), CancellationToken.None))
            .ShouldHaveSingleItem().Backends.ShouldBe(["db", "web-db"]);
    }

    [Fact]
    public async Task Views_ForAGrant_NameOnlyTheBackendsItReaches()
    {
        var grant = new TagGrant([Tag.From("web")], ScopeMatch.All);
        await Create("team", "web or api");

        (await new ListPresetsHandler(_presets, _pool).Handle(new ListPresetsQuery(grant), CancellationToken.None))
            .ShouldHaveSingleItem().Backends.ShouldBe(["web", "web-db"]);
        (await new GetPresetHandler(_presets, _pool).Handle(new GetPresetQuery("team", grant), CancellationToken.None)).Backends.ShouldBe(["web", "web-db"]);
        var updated = await new UpdatePresetHandler(_presets, _notifier, _pool, _time)
            .Handle(new UpdatePresetCommand("team", new PresetEdit { Expression = "api", ExpectedVersion = 1 }, grant), CancellationToken.None);
        updated.Backends.ShouldBeEmpty();
    }

    [Fact]
    public void FollowPreset_WhenTheSessionUsesAnotherFilter_Throws()
    {
        var session = new GatewaySession("s", SessionFilter.FromQuery("web", null, null, _ => null));

        Should.Throw<InvalidOperationException>(() => session.FollowPreset(SessionFilter.ForPreset("team", null)));
        session.Filter.Allows(Web).ShouldBeTrue();
    }

    public void Dispose() => _subscriptions.Dispose();

    private Task<Application.Presets.PresetView> Create(string name, string expression) =>
        new CreatePresetHandler(_presets, _notifier, _pool, _time).Handle(new CreatePresetCommand { Name = name, Expression = expression }, CancellationToken.None);

    private Task<Application.Presets.PresetView> Update(string name, string expression, int expectedVersion) =>
        new UpdatePresetHandler(_presets, _notifier, _pool, _time)
            .Handle(new UpdatePresetCommand(name, new PresetEdit { Expression = expression, ExpectedVersion = expectedVersion }), CancellationToken.None);

    private (GatewaySession Session, RecordingPeer Peer) Open(string preset, string expression)
    {
        var session = new GatewaySession($"s{_sessions.Count}", SessionFilter.FromQuery(null, null, preset, _ => expression));
        var peer = new RecordingPeer();
        session.Attach(peer);
        _sessions.Add(session);
        return (session, peer);
    }
}
