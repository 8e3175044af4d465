using System.Text.Json.Nodes;

namespace OneMcp.Application.Authorization.Commands;

/// <summary>
/// RFC 7591 client metadata as JSON: the registration request as sent (a member of the wrong JSON type is marked
/// malformed for the <see cref="ClientRegistrationRequest"/> rules to refuse) and the registered client (§3.2.1).
/// </summary>
public static class ClientMetadataJson
{
    public static ClientRegistrationRequest Read(JsonObject metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var malformed = new HashSet<string>(StringComparer.Ordinal);
        var redirectUris = metadata[ClientMetadata.RedirectUris] is JsonArray uris ? uris.Select(Text).ToList() : null;
        return new ClientRegistrationRequest(
            redirectUris,
            Strings(metadata, ClientMetadata.GrantTypes, malformed),
            Strings(metadata, ClientMetadata.ResponseTypes, malformed),
            Text(metadata, ClientMetadata.TokenEndpointAuthMethod, malformed),
            Text(metadata, ClientMetadata.ClientName, malformed),
            malformed,
            Text(metadata, ClientMetadata.ApplicationType, malformed));
    }

    public static JsonObject Write(ClientRegistrationResponse client)
    {
        ArgumentNullException.ThrowIfNull(client);
        var response = new JsonObject
        {
            ["client_id"] = client.ClientId,
            ["client_id_issued_at"] = client.IssuedAt.ToUnixTimeSeconds(),
            ["client_name"] = client.ClientName,
            [ClientMetadata.RedirectUris] = new JsonArray([.. client.RedirectUris.Select(u => (JsonNode)u)]),
            [ClientMetadata.GrantTypes] = new JsonArray([.. client.GrantTypes.Select(g => (JsonNode)g)]),
            [ClientMetadata.ResponseTypes] = new JsonArray(ClientMetadata.Code),
            [ClientMetadata.TokenEndpointAuthMethod] = client.TokenEndpointAuthMethod,
            [ClientMetadata.ApplicationType] = client.ApplicationType,
        };
        if (client.ClientSecret is { } secret)
        {
            response["client_secret"] = secret;
            response["client_secret_expires_at"] = 0;
        }

        return response;
    }

    // A list of text without repeats; null when absent or (marked malformed) when it is not a list of text.
    private static string[]? Strings(JsonObject metadata, string name, HashSet<string> malformed)
    {
        if (metadata[name] is JsonArray array && array.Select(Text).ToList() is var values && values.All(v => v is not null))
        {
            return [.. values.Select(v => v!).Distinct(StringComparer.Ordinal)];
        }

        if (metadata.ContainsKey(name))
        {
            malformed.Add(name);
        }

        return null;
    }

    // Text; null when absent or JSON null, and (marked malformed) when it is something else.
    private static string? Text(JsonObject metadata, string name, HashSet<string> malformed)
    {
        var node = metadata[name];
        if (node is not null && Text(node) is null)
        {
            malformed.Add(name);
        }

        return node is null ? null : Text(node);
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
