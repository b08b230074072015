"""The statistics finder: every reported test statistic of a paper's text, with its page, sentence, p value
check and coding cues, as suggestions for the coder (`find.find_statistics`). No Qt, no database here except
`suggest`, which reads a record's stored PDF text."""
