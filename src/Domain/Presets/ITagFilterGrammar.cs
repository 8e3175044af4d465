namespace OneMcp.Domain.Presets;

/// <summary>
/// The grammar of tag-filter expressions. The gateway engine owns it (it evaluates the filters); a
/// <see cref="Preset"/> asks it whether its expression parses, so no preset is ever stored that the engine cannot use.
/// </summary>
public interface ITagFilterGrammar
{
    /// <summary>Null when <paramref name="expression"/> parses, else what is wrong with it (for the user).</summary>
    string? Check(string expression);
}
