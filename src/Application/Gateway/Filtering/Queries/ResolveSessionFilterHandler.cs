using MediatR;
using OneMcp.Domain.Presets;

namespace OneMcp.Application.Gateway.Filtering.Queries;

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
