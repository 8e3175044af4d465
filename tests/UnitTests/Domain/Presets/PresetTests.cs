using OneMcp.Application.Presets;
using OneMcp.Domain.Common;
using OneMcp.Domain.Presets;

namespace OneMcp.UnitTests.Domain.Presets;

public sealed class PresetTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Create_WithAnExpressionThatParses_KeepsItTrimmed()
    {
        var preset = Preset.Create("dev", "  (web or api) and not legacy ", " tools ", TagFilterGrammar.Instance, T0);

        preset.Expression.ShouldBe("(web or api) and not legacy");
        preset.Description.ShouldBe("tools");
        preset.Version.ShouldBe(1);
    }

    [Theory]
    [InlineData("web and")]
    [InlineData("(web")]
    [InlineData("web )")]
    [InlineData("bad tag!")]
    public void Create_WithAnExpressionThatDoesNotParse_IsRefused(string expression)
    {
        var refused = Should.Throw<DomainException>(() => Preset.Create("dev", expression, "", TagFilterGrammar.Instance, T0));

        refused.Code.ShouldBe("preset.invalid_expression");
        refused.Message.ShouldBe(TagFilterGrammar.Instance.Check(expression));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Create_WithoutAnExpression_IsRefused(string expression) =>
        Should.Throw<DomainException>(() => Preset.Create("dev", expression, "", TagFilterGrammar.Instance, T0)).Code.ShouldBe("preset.invalid_expression");

    [Fact]
    public void Create_WithATooLongExpression_IsRefused() =>
        Should.Throw<DomainException>(() => Preset.Create("dev", string.Join(" or ", Enumerable.Repeat("web", 300)), "", TagFilterGrammar.Instance, T0))
            .Code.ShouldBe("preset.invalid_expression");

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("a/b")]
    public void Create_WithAnInvalidName_IsRefused(string name) =>
        Should.Throw<DomainException>(() => Preset.Create(name, "web", "", TagFilterGrammar.Instance, T0)).Code.ShouldBe("preset.invalid_name");

    [Fact]
    public void Create_WithATooLongDescription_IsRefused() =>
        Should.Throw<DomainException>(() => Preset.Create("dev", "web", new string('d', Preset.MaxDescriptionLength + 1), TagFilterGrammar.Instance, T0))
            .Code.ShouldBe("preset.description_too_long");

    [Fact]
    public void Change_ToAnExpressionThatDoesNotParse_IsRefusedAndChangesNothing()
    {
        var preset = Preset.Create("dev", "web", "first", TagFilterGrammar.Instance, T0);

        Should.Throw<DomainException>(() => preset.Change("web or or api", "second", TagFilterGrammar.Instance, T0.AddMinutes(1)))
            .Code.ShouldBe("preset.invalid_expression");

        preset.Expression.ShouldBe("web");
        preset.Description.ShouldBe("first");
        preset.Version.ShouldBe(1);
        preset.UpdatedAt.ShouldBe(T0);
    }

    [Fact]
    public void Change_ToAnExpressionThatParses_StepsTheVersion()
    {
        var preset = Preset.Create("dev", "web", "", TagFilterGrammar.Instance, T0);

        preset.Change("web and not db", "no db", TagFilterGrammar.Instance, T0.AddMinutes(1));

        (preset.Expression, preset.Description, preset.Version, preset.UpdatedAt).ShouldBe(("web and not db", "no db", 2, T0.AddMinutes(1)));
    }

    [Fact]
    public void TheGrammar_IsTheOneTheEngineUses()
    {
        TagFilterGrammar.Instance.Check("web, api").ShouldBeNull();
        TagFilterGrammar.Instance.Check("-legacy").ShouldBeNull();
        TagFilterGrammar.Instance.Check("web &&").ShouldNotBeNull();
    }
}
