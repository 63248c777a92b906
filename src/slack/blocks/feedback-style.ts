/**
 * Which feedback control answers carry: Slack's own `feedback_buttons` (in a `context_actions`
 * block) until Slack refuses that block once (`invalid_blocks`, e.g. on an older Enterprise
 * Grid or a workspace without the AI features), then ordinary buttons for the rest of the
 * process, so every later answer is posted right the first time.
 */
export class FeedbackStyle {
  private refused = false;

  get native(): boolean {
    return !this.refused;
  }

  refuse(): void {
    this.refused = true;
  }
}
