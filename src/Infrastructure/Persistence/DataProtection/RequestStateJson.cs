using System.Text.Json.Serialization;
using OneMcp.Application.Gateway.InputRequests;

namespace OneMcp.Infrastructure.Persistence.DataProtection;

[JsonSerializable(typeof(RequestStateTicket))]
internal sealed partial class RequestStateJson : JsonSerializerContext;
