using MediatR;
using OneMcp.Domain.Presets;

namespace OneMcp.Application.Gateway.Filtering.Queries;

/// <summary>
/// The tag filter of a session about to open, from the parameters of its URL (<c>tags</c>, <c>tag-filter</c> or
/// <c>preset</c>, each given at most once); a preset is looked up by name. A bad filter throws
/// <see cref="SessionFilterException"/>, whose message is meant for the client.
/// </summary>
public sealed record ResolveSessionFilterQuery(string? Tags, string? TagFilter, string? Preset) : IRequest<SessionFilter>;

public sealed class ResolveSessionFilterHandler(IPresetRepository presets) : IRequestHandler<ResolveSessionFilterQuery, SessionFilter>
{
    public async Task<SessionFilter> Handle(ResolveSessionFilterQuery request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        // Looked up before parsing because the store is asynchronous; a name no preset can have is simply unknown.
        var expression = Preset.IsValidName(request.Preset)
            ? (await presets.FindByNameAsync(request.Preset!, cancellationToken))?.Expression
            : null;
        return SessionFilter.FromQuery(request.Tags, request.TagFilter, request.Preset, resolvePreset: _ => expression);
    }
}
