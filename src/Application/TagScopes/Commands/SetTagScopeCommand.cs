using MediatR;
using OneMcp.Domain.TagScopes;

namespace OneMcp.Application.TagScopes.Commands;

/// <summary>
/// Sets a tag's description and who may grant it, creating its stored scope on first use. Under
/// <see cref="GrantPolicy.NamedUsers"/> every named user must exist (stored with the name's own spelling); named groups
/// belong to the identity provider and are taken as given.
/// </summary>
public sealed record SetTagScopeCommand(string Tag, TagScopeEdit? Edit) : IRequest<TagScopeView>;
