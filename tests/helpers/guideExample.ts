/**
 * The user guide's environment example (spec/seeds/synthesis-guide.txt, "Environment-First Tool
 * Synthesis") in the guide's config shape: a stateful LLM-simulated backend, a cached FAQ
 * simulator and a deterministic policy table, used by a multi-turn attribute. YAML without an
 * `inference_config`, which each test appends.
 */
export const GUIDE_ENVIRONMENT_EXAMPLE = `environment_config:
  environments:
    - id: support_backend
      name: Support Backend
      description: Simulated support system with tickets and users
      type: synthetic
      system_prompt: You manage a customer support system with tickets and users.
      state_params:
        state_schema:
          type: object
          properties:
            tickets: { type: array }
            users: { type: array }
        initial_state:
          tickets: []
          users: []
      tools:
        - id: get_ticket
          name: GetTicket
          description: Read a ticket from the support backend.
          read_only: true
          parameters:
            type: object
            properties:
              ticket_id: { type: string }
        - id: create_ticket
          name: CreateTicket
          description: Create a new support ticket.
          read_only: false
          parameters:
            type: object
            properties:
              subject: { type: string }
              priority: { type: string, enum: [low, medium, high] }
    - id: faq_lookup
      name: FAQ Lookup
      description: Cached LLM-backed FAQ answers
      type: synthetic
      system_prompt: Generate concise FAQ answers grounded in the tool contract.
      cache_by_input: true
      tools:
        - id: answer_faq
          name: AnswerFAQ
          description: Answer common support questions.
          parameters:
            type: object
            properties:
              question: { type: string }
    - id: policy_table
      name: Policy Table
      description: Predefined policy responses
      type: deterministic
      tools:
        - id: get_refund_policy
          name: GetRefundPolicy
          description: Return the matching refund policy.
          parameters:
            type: object
            properties:
              policy_type: { type: string }
          deterministic_outputs:
            - input:
                policy_type: standard
              output:
                policy: Standard 30-day refund policy
strategy_params:
  multiturn_attributes:
    - id: support_chat
      min_turns: 2
      max_turns: 4
      role_instruction_messages:
        USER: You are a customer contacting support.
        ASSISTANT: You are a helpful support agent.
      available_environments: [support_backend, faq_lookup, policy_table]
`;
