using OneMcp.Application.Presets;
using OneMcp.Domain.Common;
using OneMcp.Domain.Presets;
using OneMcp.Domain.Users;

namespace OneMcp.UnitTests.Domain.Common;

public sealed class AggregateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ANewAggregate_IsAtVersionOne_NeverStored_WithUnsavedChanges()
    {
        var note = new Note(T0);

        note.Version.ShouldBe(1);
        note.LoadedVersion.ShouldBe(0);
        note.HasUnsavedChanges.ShouldBeTrue();
        note.CreatedAt.ShouldBe(T0);
        note.UpdatedAt.ShouldBe(T0);
        note.Id.ShouldNotBe(Guid.Empty);
    }

    [Fact]
    public void ALoadedAggregate_RemembersTheVersionItWasLoadedWith()
    {
        var id = Guid.NewGuid();
        var note = new Note(id, version: 7, T0, T0.AddMinutes(1));

        note.Id.ShouldBe(id);
        note.Version.ShouldBe(7);
        note.LoadedVersion.ShouldBe(7);
        note.HasUnsavedChanges.ShouldBeFalse();
        note.UpdatedAt.ShouldBe(T0.AddMinutes(1));
    }

    [Fact]
    public void Touch_StepsTheVersionAndStampsTheTime_ButNotTheLoadedVersion()
    {
        var note = new Note(Guid.NewGuid(), version: 3, T0, T0);

        note.Write("a", T0.AddMinutes(1));
        note.Write("b", T0.AddMinutes(2));

        note.Text.ShouldBe("b");
        note.Version.ShouldBe(5);
        note.LoadedVersion.ShouldBe(3);
        note.HasUnsavedChanges.ShouldBeTrue();
        note.UpdatedAt.ShouldBe(T0.AddMinutes(2));
        note.CreatedAt.ShouldBe(T0);
    }

    [Fact]
    public void Touch_WhenTheChangeThrows_ChangesNothing()
    {
        var note = new Note(Guid.NewGuid(), version: 3, T0, T0);

        Should.Throw<DomainException>(() => note.Write("", T0.AddMinutes(1)));

        note.Version.ShouldBe(3);
        note.UpdatedAt.ShouldBe(T0);
        note.HasUnsavedChanges.ShouldBeFalse();
    }

    [Fact]
    public void MarkSaved_MakesTheCurrentVersionTheStoredOne()
    {
        var note = new Note(Guid.NewGuid(), version: 3, T0, T0);
        note.Write("a", T0.AddMinutes(1));

        note.MarkSaved();

        note.LoadedVersion.ShouldBe(4);
        note.HasUnsavedChanges.ShouldBeFalse();
    }

    [Fact]
    public void TheAggregates_ShareTheBase()
    {
        var user = User.Create("alice", "hash", UserRole.Member, T0);
        var preset = Preset.Create("web", "web", "", TagFilterGrammar.Instance, T0);

        user.Disable(T0.AddMinutes(1));
        preset.Change("api", "", TagFilterGrammar.Instance, T0.AddMinutes(2));

        (user.Version, user.LoadedVersion, user.UpdatedAt).ShouldBe((2, 0, T0.AddMinutes(1)));
        (preset.Version, preset.LoadedVersion, preset.UpdatedAt).ShouldBe((2, 0, T0.AddMinutes(2)));
        typeof(EditableAggregate).IsAssignableFrom(typeof(OneMcp.Domain.TagScopes.TagScope)).ShouldBeTrue();
        typeof(EditableAggregate).IsAssignableFrom(typeof(OneMcp.Domain.Backends.BackendService)).ShouldBeTrue();
        typeof(Aggregate).IsAssignableFrom(typeof(OneMcp.Domain.AuthorizationRequests.AuthorizationRequest)).ShouldBeTrue();
    }

    /// <summary>The smallest editable aggregate: one text that must not be empty.</summary>
    private sealed class Note : EditableAggregate
    {
        public Note(DateTimeOffset now)
            : base(Guid.NewGuid(), now)
        {
        }

        public Note(Guid id, int version, DateTimeOffset createdAt, DateTimeOffset updatedAt)
            : base(id, version, createdAt, updatedAt)
        {
        }

        public string Text { get; private set; } = string.Empty;

        public void Write(string text, DateTimeOffset now) =>
            Touch(() => Text = text.Length > 0 ? text : throw new DomainException("note.empty", "A note needs text."), now);
    }
}
