namespace OneMcp.Application.Backends;

[Flags]
public enum CapabilityKinds
{
    None = 0,
    Tools = 1,
    Resources = 2,
    Prompts = 4,
    All = Tools | Resources | Prompts,
}
