"""Pieces of telephonist.toml that tests of the ACD and its pages share."""


def agent_phones(extensions: list[str], group: str = "desks") -> str:
    """A sim span of phone ports with these extensions and the trunk group of them (the agents' desks)."""
    return (f'\n[[spans]]\nname = "phones"\ndriver = "sim"\ntype = "fxs"\nchannels = {len(extensions)}\n'
            f'extensions = {extensions!r}\n\n[[trunk_groups]]\nname = "{group}"\nlines = ["phones/*"]\n'
            .replace("'", '"'))
