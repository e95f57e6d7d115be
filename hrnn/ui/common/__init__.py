"""What the pages share: resources loaded once, per-session state, the model picker, lesson links, the words and
labels shown to people, the shared figure settings, the style rules, the first screen and who the server answers."""
