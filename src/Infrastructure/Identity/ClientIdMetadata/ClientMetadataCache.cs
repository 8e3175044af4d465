using System.Collections.Concurrent;
using OneMcp.Application.Authorization.ClientIdMetadata;

namespace OneMcp.Infrastructure.Identity.ClientIdMetadata;

/// <summary>
/// The metadata documents read recently, each for as long as its Cache-Control allowed (bounded by the fetcher), so
/// the consent page's round trips do not fetch the document again. Bounded in entries: a full cache drops the expired
/// ones, and when none are, stops adding until some expire.
/// </summary>
internal sealed class ClientMetadataCache(TimeProvider time)
{
    public const int MaxEntries = 1000;

    private readonly ConcurrentDictionary<string, (ClientMetadataDocument Document, DateTimeOffset Expires)> _entries = new(StringComparer.Ordinal);

    public ClientMetadataDocument? Find(string clientId)
    {
        if (_entries.TryGetValue(clientId, out var entry))
        {
            if (entry.Expires > time.GetUtcNow())
            {
                return entry.Document;
            }

            _entries.TryRemove(KeyValuePair.Create(clientId, entry));
        }

        return null;
    }

    public void Add(ClientMetadataDocument document, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (lifetime <= TimeSpan.Zero)
        {
            _entries.TryRemove(document.ClientId, out _);
            return;
        }

        var now = time.GetUtcNow();
        if (_entries.Count >= MaxEntries)
        {
            foreach (var expired in _entries.Where(e => e.Value.Expires <= now).ToList())
            {
                _entries.TryRemove(expired);
            }

            if (_entries.Count >= MaxEntries)
            {
                return;
            }
        }

        _entries[document.ClientId] = (document, now + lifetime);
    }
}
