using OneMcp.Application.Presets;
using OneMcp.Domain.Common;
using OneMcp.Domain.Presets;
using OneMcp.Infrastructure.Persistence.Repositories;

namespace OneMcp.IntegrationTests.Persistence;

public abstract class PresetRepositoryContract(ITestDatabaseSource source) : RepositoryContract(source)
{
    private PresetRepository Repository => new(Factory);

    [Fact]
    public async Task Add_ThenFindByName_RoundTripsEveryField()
    {
        var preset = Preset.Create("dev-tools", "(web or api) and not legacy", "Für " + NonAscii, TagFilterGrammar.Instance, T0);
        await Repository.AddAsync(preset, Ct);

        var loaded = (await Repository.FindByNameAsync("dev-tools", Ct)).ShouldNotBeNull();

        loaded.Id.ShouldBe(preset.Id);
        loaded.Name.ShouldBe("dev-tools");
        loaded.Expression.ShouldBe("(web or api) and not legacy");
        loaded.Description.ShouldBe("Für " + NonAscii);
        loaded.Version.ShouldBe(1);
        ShouldBeStored(loaded.CreatedAt, T0);
        ShouldBeStored(loaded.UpdatedAt, T0);
    }

    [Fact]
    public async Task FindByName_IsExact()
    {
        await Repository.AddAsync(Preset.Create("Dev", "web", "", TagFilterGrammar.Instance, T0), Ct);

        (await Repository.FindByNameAsync("dev", Ct)).ShouldBeNull();
        (await Repository.FindByNameAsync("Dev", Ct)).ShouldNotBeNull();
    }

    [Fact]
    public async Task Update_WhenStale_ThrowsAndChangesNothing_WhileAFreshUpdateWins()
    {
        var preset = Preset.Create("p", "a", "", TagFilterGrammar.Instance, T0);
        await Repository.AddAsync(preset, Ct);
        var first = (await Repository.FindByNameAsync("p", Ct))!;
        var second = (await Repository.FindByNameAsync("p", Ct))!;

        first.Change("a or b", "first", TagFilterGrammar.Instance, T0.AddSeconds(1));
        await Repository.UpdateAsync(first, Ct);
        second.Change("c", "second", TagFilterGrammar.Instance, T0.AddSeconds(2));
        var conflict = await Should.ThrowAsync<ConcurrencyConflictException>(() => Repository.UpdateAsync(second, Ct));
        conflict.Message.ShouldBe("The preset 'p' was changed by someone else; reload it and try again.");

        var stored = (await Repository.FindByNameAsync("p", Ct))!;
        stored.Expression.ShouldBe("a or b");
        stored.Description.ShouldBe("first");
        stored.Version.ShouldBe(2);
        ShouldBeStored(stored.UpdatedAt, T0.AddSeconds(1));
        ShouldBeStored(stored.CreatedAt, T0);
    }

    [Fact]
    public async Task Add_WhenNameTaken_ThrowsDuplicateName()
    {
        await Repository.AddAsync(Preset.Create("same", "a", "", TagFilterGrammar.Instance, T0), Ct);

        var error = await Should.ThrowAsync<DuplicateNameException>(() => Repository.AddAsync(Preset.Create("same", "b", "", TagFilterGrammar.Instance, T0), Ct));
        error.Name.ShouldBe("same");
        (await Repository.FindByNameAsync("same", Ct))!.Expression.ShouldBe("a");
    }

    [Fact]
    public async Task Remove_ReturnsTrueOnceThenFalse()
    {
        var preset = Preset.Create("gone", "a", "", TagFilterGrammar.Instance, T0);
        await Repository.AddAsync(preset, Ct);

        (await Repository.RemoveAsync(preset.Id, Ct)).ShouldBeTrue();
        (await Repository.RemoveAsync(preset.Id, Ct)).ShouldBeFalse();
    }

    [Fact]
    public async Task List_OrdersByName()
    {
        foreach (var name in new[] { "beta", "Alpha", "alpha", "1st", "_z" })
        {
            await Repository.AddAsync(Preset.Create(name, "a", "", TagFilterGrammar.Instance, T0), Ct);
        }

        (await Repository.ListAsync(Ct)).Select(p => p.Name).ShouldBe(["1st", "Alpha", "_z", "alpha", "beta"]);
    }
}
