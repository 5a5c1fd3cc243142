"""Pure conversation logic (safety, advice, language, topics) shared by the actions and the NLU components."""
